/**
 * A short soak (SOAK_SECONDS, default 30 s) of test/soak/soak.ts: 200 participants in 50 rooms through HAProxy
 * onto three replica processes, one killed with SIGKILL and one restarted on the way. `npm run soak` is the
 * long run.
 */
import { describe as figures, runSoak, type SoakResult } from '../soak/soak';

const SECONDS = Number(process.env.SOAK_SECONDS || 30);
jest.setTimeout((SECONDS + 120) * 1000);

let result: SoakResult;

beforeAll(async () => {
  result = await runSoak({ seconds: SECONDS, log: () => undefined });
  console.log(figures(result));
});

test('every participant joined, signalled and chatted; the clients of the killed and the drained replica came back', () => {
  expect(result.joins).toBeGreaterThanOrEqual(result.participants);
  expect(result.signalsAcked).toBeGreaterThan(0);
  expect(result.chatAcked).toBeGreaterThan(0);
  expect(result.killedClients).toBeGreaterThan(0);
  expect(result.drainedClients).toBeGreaterThan(0);
  expect(result.resumes).toBeGreaterThan(0);
  // Back within the grace period, so that nobody saw them leave.
  expect(result.maxResumeAfterKillMs).toBeLessThan(10_000);
  expect(result.maxResumeAfterDrainMs).toBeLessThan(10_000);
  expect(result.anomalies).toEqual([]);
});

test('no acknowledged chat message was lost', () => {
  expect(result.chatLost).toBe(0);
});

test('lobby counts on every replica matched what the clients believed at every checkpoint; no ghost at the end', () => {
  expect(result.checkpoints).toBe(4);
  expect(result.mismatches).toEqual([]);
  expect(result.ghosts).toEqual([]);
});

test('the replicas logged nothing at error level', () => {
  expect(result.errorLines).toEqual([]);
});
