/**
 * Hostile input against three replicas on one real redis-server, from the shared tables, over HTTP, both
 * Socket.IO namespaces and raw Engine.IO WebSocket frames. Every case is refused with a code, dropped, or closes
 * only the sender's connection (a few are accepted with the server's own values in place of forged ones, or
 * admitted the same way on every replica); nothing reaches anybody outside the sender's room, nothing refused
 * reaches anybody inside it, room state does not change, and every replica still serves. Totals are printed.
 */
import { connect, emitAck, join, refused, sleep } from '../helpers/client';
import { startCluster } from '../helpers/cluster';
import { flood, hostileChecks } from '../helpers/hostile-checks';
import { EVENTS } from '../helpers/hostile-events';
import { CLIENT_FRAMES, RAW } from '../helpers/hostile-frames';
import { HTTP } from '../helpers/hostile-http';
import { BAD_HANDSHAKES, BAD_RESUMES, UNICODE_NAMES } from '../helpers/hostile-inputs';
import { inTurn, onEvery, useHostileWorld } from '../helpers/hostile-world';
import { startRedis } from '../helpers/procs';

jest.setTimeout(60_000);

const REPLICAS = 3;
const world = useHostileWorld({
  replicas: REPLICAS,
  label: '3 replicas',
  settleMs: 50,
  start: async () => {
    const redis = await startRedis();
    // The replicas trust X-Forwarded-For here, so that every client can have an address of its own.
    const cluster = await startCluster(redis.url, REPLICAS, {
      resumeGraceMs: 1500,
      trustProxy: true,
      joinRatePerAddr: 5,
      joinBurstPerAddr: 20,
      reactionRate: 1000,
      reactionBurst: 1000,
    }).catch(async (err: unknown) => {
      await redis.stop();
      throw err;
    });
    return {
      servers: cluster.replicas,
      close: async () => {
        await cluster.close();
        await redis.stop();
      },
    };
  },
});
const check = hostileChecks(world);
const every = <T>(items: T[], name: (t: T) => string) => onEvery(REPLICAS, items, name);
const inTurns = <T>(items: T[], name: (t: T) => string) => inTurn(REPLICAS, items, name);

describe('events over socket.io-client, senders on every replica', () => {
  test.each(EVENTS.map((c, i) => [c.name, c, i] as const))('%s', (_name, kase, i) => check.event(kase, i));
});

describe('handshakes, on every replica', () => {
  test.each(inTurns(BAD_HANDSHAKES, ([name]) => name))('refused: %s', (_name, [, auth], r) => check.badHandshake(auth, r));
  test.each(every(UNICODE_NAMES, ([what]) => what))('admitted alike: a name with %s', (_what, [, name, stored], r) =>
    check.admittedName(name, stored, r),
  );
  test.each(every([0], () => 'an unknown namespace'))('refused: %s', (_name, _, r) => check.unknownNamespace(r));
});

describe('resume tokens and bans, across replicas', () => {
  test.each(every(BAD_RESUMES, ([name]) => name))('refused: %s', (_name, [, make], r) => check.badResume(make, r));
  test('a kicked participant is BANNED on every replica: by its token, by its name from its address, in any case', () =>
    check.kickedIsBanned());
  test('a participant that left on one replica is a newcomer by its token on every replica: a new PeerId, no host role', () =>
    check.leaverIsNewcomer());
});

describe('inputs that close the connection, replicas in turn', () => {
  test.each(inTurns(CLIENT_FRAMES, (c) => c.name))('%s', (_name, kase, r) => check.clientFrames(kase, r));
});

describe('raw Engine.IO WebSocket frames, replicas in turn', () => {
  test.each(inTurns(RAW, (c) => c.name))('%s', (_name, kase, r) => check.rawFrames(kase, r));
});

describe('HTTP, replicas in turn', () => {
  test.each(inTurns(HTTP, (c) => c.name))('%s', (_name, kase, r) => check.http(kase, r));
});

// ---------------------------------------------------------------------------------------------------------
// Floods: per socket, per address, across replicas

describe('floods across replicas', () => {
  test('a chat flood from each replica is RATE_LIMITED past its burst; only accepted messages are stored and delivered', async () => {
    for (let r = 0; r < 3; r++) {
      const room = world.fresh('flood-chat');
      const a = await join(world.url(r), { room, name: 'Chatty' }, world.from(world.nextAddr()));
      const b = await join(world.url(r + 1), { room, name: 'Reader' }, world.from(world.nextAddr()));
      await world.settle();
      world.clearLogs();
      const { replies, ok } = await flood(a, 'chat:send', 200, (i) => ({ text: `spam ${i}` }), b, 'chat:message', 300);
      expect(ok).toBeGreaterThan(0);
      expect(ok).toBeLessThan(200);
      expect(replies.filter((x) => !x.ok).every((x) => !x.ok && x.error.code === 'RATE_LIMITED')).toBe(true);
      expect((await world.server(r).parley.store.chat(room)).length).toBe(Math.min(ok, world.server(r).config.chatHistory));
      world.count('refused');
      await world.settle();
      world.expectQuiet();
      a.socket.close();
      b.socket.close();
    }
    await world.alive();
  });

  test('a signal flood of 2,000 is RATE_LIMITED past its burst; the target across replicas gets exactly the accepted ones', async () => {
    const room = world.fresh('flood-sig');
    const a = await join(world.url(0), { room, name: 'Flood' }, world.from(world.nextAddr()));
    const b = await join(world.url(2), { room, name: 'Target' }, world.from(world.nextAddr()));
    await world.settle();
    world.clearLogs();
    const { ok } = await flood(a, 'signal', 2000, (i) => ({ to: b.welcome.self.id, candidate: { candidate: `c${i}` } }), b, 'signal', 500);
    expect(ok).toBeGreaterThanOrEqual(200);
    expect(ok).toBeLessThan(2000);
    world.count('refused');
    await world.settle();
    world.expectQuiet();
    await world.alive();
  });

  test('a handshake flood from one address over all replicas is RATE_LIMITED; other addresses and, later, the same one get in', async () => {
    const address = world.nextAddr();
    // 90: within the address's cap of open connections (100), so that every refusal is the handshake budget's.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 90 }, (_, i) => join(world.url(i), { room: world.fresh('knock'), name: 'Knock' }, world.from(address))),
    );
    const codes = outcomes.filter((o) => o.status === 'rejected').map((o) => ((o as PromiseRejectedResult).reason as Error).message);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['RATE_LIMITED']));
    for (const o of outcomes) if (o.status === 'fulfilled') o.value.socket.close();
    world.count('refused');
    // Someone else from another address is not affected, on every replica.
    for (let r = 0; r < 3; r++)
      (await join(world.url(r), { room: world.fresh('other'), name: 'Other' }, world.from(world.nextAddr()))).socket.close();
    await sleep(4500); // the bucket refills (5 a second)
    const back = await join(world.url(1), { room: world.fresh('back'), name: 'Patient' }, world.from(address));
    expect(back.welcome.self.name).toBe('Patient');
    back.socket.close();
    await world.settle();
    world.expectQuiet();
    await world.alive();
  });

  test('wrong passwords from one address are limited; the host is unaffected and the right password from elsewhere works', async () => {
    const room = world.fresh('pw');
    const host = await join(world.url(0), { room, name: 'Host', password: 'correct horse' }, world.from(world.nextAddr()));
    const address = world.nextAddr();
    const codes: string[] = [];
    for (let i = 0; i < 14; i++)
      codes.push(
        (await refused(world.url(i), { room, name: `Guess ${i}`, password: `guess-${i}` }, world.from(address))).data?.code as string,
      );
    expect(codes.slice(0, 10).every((c) => c === 'WRONG_PASSWORD')).toBe(true);
    expect(codes).toContain('RATE_LIMITED');
    world.count('refused');
    const friend = await join(world.url(2), { room, name: 'Friend', password: 'correct horse' }, world.from(world.nextAddr()));
    expect(friend.welcome.peers.map((p) => p.name)).toEqual(['Host']);
    expect(host.socket.connected).toBe(true);
    await world.settle();
    world.expectQuiet();
    await world.alive();
  });

  test('a lobby flood on every replica is RATE_LIMITED and watching is bounded', async () => {
    for (let r = 0; r < 3; r++) {
      const s = connect(world.url(r), '/lobby', world.from(world.nextAddr()));
      const replies = await Promise.all(Array.from({ length: 150 }, (_, i) => emitAck(s, 'lobby:watch', { room: `w-${i % 20}` })));
      expect(replies.some((x) => !x.ok && x.error.code === 'RATE_LIMITED')).toBe(true);
      expect(replies.filter((x) => x.ok).length).toBeLessThanOrEqual(60);
      s.close();
      world.count('refused');
    }
    await world.settle();
    world.expectQuiet();
    await world.alive();
  });
});

describe('afterwards', () => {
  test('every replica still admits a fresh participant and answers /healthz; room B never heard a thing; state unchanged', () =>
    check.afterwards());
});
