/**
 * Hostile input against one replica (room state in memory), from the shared tables: every case is refused with
 * a code, dropped, or closes only the sender's connection (a forged `from` is replaced, a Unicode name admitted);
 * nothing reaches anybody it should not, room state does not change, and the replica still serves.
 */
import { closeAll, connect, disconnected, emitAck, join, record, sleep, sync } from '../helpers/client';
import { flood, hostileChecks } from '../helpers/hostile-checks';
import { EVENTS } from '../helpers/hostile-events';
import { CLIENT_FRAMES, RAW } from '../helpers/hostile-frames';
import { HTTP } from '../helpers/hostile-http';
import { BAD_HANDSHAKES, BAD_RESUMES, UNICODE_NAMES } from '../helpers/hostile-inputs';
import { onEvery, useHostileWorld } from '../helpers/hostile-world';
import { startServer, type TestServer } from '../helpers/server';

const tag = Date.now().toString(36);

const world = useHostileWorld({
  replicas: 1,
  label: 'one replica',
  settleMs: 20,
  start: async () => {
    const srv = await startServer({
      resumeGraceMs: 1500,
      joinRatePerAddr: 10_000,
      joinBurstPerAddr: 10_000,
      eventRate: 10_000,
      eventBurst: 10_000,
      reactionRate: 10_000,
      reactionBurst: 10_000,
      signalRate: 10_000,
      signalBurst: 10_000,
    });
    return { servers: [srv], close: () => srv.close() };
  },
});
const check = hostileChecks(world);

test('the table has at least 50 cases', () => {
  expect(EVENTS.length).toBeGreaterThanOrEqual(50);
  expect(new Set(EVENTS.map((x) => x.name)).size).toBe(EVENTS.length);
});

describe('events', () => {
  test.each(EVENTS.map((c, i) => [c.name, c, i] as const))('%s', (_name, kase, i) => check.event(kase, i));
});

describe('handshakes', () => {
  test('there are cases for every kind of bad handshake', () => {
    expect(BAD_HANDSHAKES.length).toBeGreaterThanOrEqual(25);
  });

  test.each(onEvery(1, BAD_HANDSHAKES, ([name]) => name))('refused: %s', (_name, [, auth], r) => check.badHandshake(auth, r));

  test('the same auth with a valid name and room is admitted (the cases differ only in what is bad)', async () => {
    const ok = await join(world.url(0), { room: 'hs-room', name: 'Zed' });
    expect(ok.welcome.self.name).toBe('Zed');
    ok.socket.emit('room:leave');
    await disconnected(ok.socket);
  });

  test.each(onEvery(1, UNICODE_NAMES, ([what]) => what))('admitted alike: a name with %s', (_what, [, name, stored], r) =>
    check.admittedName(name, stored, r),
  );

  test('an unknown namespace is refused and nobody notices', () => check.unknownNamespace(0));
});

describe('resume tokens and bans', () => {
  test.each(onEvery(1, BAD_RESUMES, ([name]) => name))('refused: %s', (_name, [, make], r) => check.badResume(make, r));
  test('a kicked participant is BANNED: by its token, by its name from its address, in any case', () => check.kickedIsBanned());
  test('a participant that left is a newcomer by its token: a new PeerId, no host role', () => check.leaverIsNewcomer());
});

describe('inputs that close the connection', () => {
  test.each(onEvery(1, CLIENT_FRAMES, (c) => c.name))('%s', (_name, kase, r) => check.clientFrames(kase, r));
});

describe('raw Engine.IO WebSocket frames', () => {
  test.each(onEvery(1, RAW, (c) => c.name))('%s', (_name, kase, r) => check.rawFrames(kase, r));
});

describe('HTTP', () => {
  test.each(onEvery(1, HTTP, (c) => c.name))('%s', (_name, kase, r) => check.http(kase, r));
});

describe('afterwards', () => {
  test('the replica still admits a fresh participant and answers /healthz; room B never heard a thing; state unchanged', () =>
    check.afterwards());
});

// Last: the floods close every socket of the suite at their end.
describe('floods', () => {
  /** A replica with the default per-socket rates and a small per-address handshake budget. */
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({ resumeGraceMs: 1500, joinRatePerAddr: 5, joinBurstPerAddr: 12 });
  });
  afterAll(() => limited.close());

  test('a signal flood is RATE_LIMITED past the burst; the bystander gets exactly the accepted ones; the socket works again', async () => {
    const room = `flood-sig-${tag}`;
    const a = await join(limited.url, { room, name: 'Flood' });
    const b = await join(limited.url, { room, name: 'Target' });
    const other = await join(limited.url, { room: `flood-other-${tag}`, name: 'Other' });
    const otherSeen = record(other.socket);
    const {
      replies,
      ok,
      seen: bSeen,
    } = await flood(a, 'signal', 1000, (i) => ({ to: b.welcome.self.id, candidate: { candidate: `c${i}` } }), b, 'signal', 20);
    const limitedCount = replies.filter((r) => !r.ok && r.error.code === 'RATE_LIMITED').length;
    // The contract's floor: bursts of 200 pass.
    expect(ok).toBeGreaterThanOrEqual(200);
    expect(limitedCount).toBeGreaterThan(0);
    expect(ok + limitedCount).toBe(1000);
    expect(bSeen.every((e) => e.event === 'signal')).toBe(true);
    await sync(other.socket);
    expect(otherSeen).toEqual([]);
    await sleep(1000);
    expect(await emitAck(a.socket, 'signal', { to: b.welcome.self.id, candidate: null })).toEqual({ ok: true });
    expect(a.socket.connected).toBe(true);
  });

  test('50 signals a second, sustained for 3 s, all pass', async () => {
    const room = `flood-steady-${tag}`;
    const a = await join(limited.url, { room, name: 'Steady' });
    const b = await join(limited.url, { room, name: 'Target' });
    const replies: Array<Promise<{ ok: boolean }>> = [];
    for (let tick = 0; tick < 30; tick++) {
      for (let i = 0; i < 5; i++)
        replies.push(emitAck(a.socket, 'signal', { to: b.welcome.self.id, candidate: { candidate: `t${tick}-${i}` } }));
      await sleep(100);
    }
    expect((await Promise.all(replies)).every((r) => r.ok)).toBe(true);
  });

  test('an event flood (chat) is RATE_LIMITED; only accepted messages are stored and delivered', async () => {
    const room = `flood-chat-${tag}`;
    const a = await join(limited.url, { room, name: 'Chatty' });
    const b = await join(limited.url, { room, name: 'Reader' });
    const { replies, ok } = await flood(a, 'chat:send', 150, (i) => ({ text: `spam ${i}` }), b, 'chat:message', 0);
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(150);
    expect(replies.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === 'RATE_LIMITED')).toBe(true);
    expect((await limited.parley.store.chat(room)).length).toBe(Math.min(ok, limited.config.chatHistory));
    await sleep(1000);
    expect(await emitAck(a.socket, 'chat:send', { text: 'calm again' })).toMatchObject({ ok: true });
  });

  test('watching is bounded per socket; a lobby flood is RATE_LIMITED for its whole address, which gets back in once it slows down', async () => {
    const watcherSocket = connect(limited.url, '/lobby');
    const watches = [];
    for (let i = 0; i < 10; i++) watches.push(await emitAck(watcherSocket, 'lobby:watch', { room: `w-${i}` }));
    expect(watches.slice(0, 8).every((r) => r.ok)).toBe(true);
    expect(watches.slice(8)).toEqual([
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
      expect.anything(),
    ]);
    const s = connect(limited.url, '/lobby');
    const replies = await Promise.all(Array.from({ length: 120 }, () => emitAck(s, 'lobby:peek', { room: 'anything' })));
    expect(replies.some((r) => !r.ok && r.error.code === 'RATE_LIMITED')).toBe(true);
    // The peek budget is the address's: another socket from it is limited as well, until the budget refills.
    const fresh = connect(limited.url, '/lobby');
    expect(await emitAck(fresh, 'lobby:peek', { room: 'anything' })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    await sleep(1100);
    expect(await emitAck(fresh, 'lobby:peek', { room: 'anything' })).toMatchObject({ ok: true });
  });

  test('a handshake flood from one address is RATE_LIMITED, and the address gets back in once it slows down', async () => {
    const room = `flood-join-${tag}`;
    await sleep(2500); // earlier tests in this block used some of the address's budget
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => join(limited.url, { room: `${room}-${i}`, name: 'Knock' })),
    );
    const refusedCodes = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.message as string);
    expect(refusedCodes.length).toBeGreaterThan(0);
    expect(new Set(refusedCodes)).toEqual(new Set(['RATE_LIMITED']));
    closeAll();
    await sleep(1000);
    const back = await join(limited.url, { room, name: 'Patient' });
    expect(back.welcome.self.name).toBe('Patient');
  });
});
