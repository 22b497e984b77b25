/** The Redis room store against a real redis-server: the shared contract, plus what only many replicas can break. */
import { createClient } from 'redis';
import { createLogger } from '../../server/logger';
import { createRedisClient } from '../../server/redis/client';
import { RedisRoomStore } from '../../server/redis/room-store';
import { ENDED_MEETING_MS, type JoinRequest } from '../../server/rooms/store';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { roomStoreContract } from '../helpers/store-contract';

let redis: RedisProcess;
let prefixes = 0;
const log = createLogger('silent');

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

async function newStore(prefix = `t${++prefixes}:`): Promise<RedisRoomStore> {
  const client = createRedisClient(redis.url, log, 'store', { offlineQueue: false });
  await client.connect();
  return new RedisRoomStore(client, { prefix });
}

roomStoreContract('redis', () => newStore());

describe('RedisRoomStore across replicas', () => {
  const stores: RedisRoomStore[] = [];
  let raw: ReturnType<typeof createClient>;
  let seq = 0;
  const req = (room: string, over: Partial<JoinRequest> = {}): JoinRequest => {
    const peerId = over.peerId ?? `p${++seq}`;
    return {
      roomId: room,
      peerId,
      name: `N${peerId}`,
      identity: `127.0.0.1|n${peerId}`,
      sid: `s${peerId}`,
      maxPeers: 8,
      expiresAt: Date.now() + 60_000,
      now: Date.now(),
      meeting: 'm1',
      ...over,
    };
  };

  beforeAll(async () => {
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw.quit();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  const replicas = async (n: number) => {
    const prefix = `x${++prefixes}:`;
    const list = await Promise.all(Array.from({ length: n }, () => newStore(prefix)));
    stores.push(...list);
    return { list, prefix };
  };

  test('two replicas reaping at once remove each expired participant exactly once', async () => {
    const { list } = await replicas(2);
    const [a, b] = list;
    const rooms = ['r1', 'r2', 'r3', 'r4', 'r5'];
    const expected: string[] = [];
    for (const room of rooms) {
      for (let i = 0; i < 6; i++) {
        const store = i % 2 === 0 ? a : b;
        const r = await store.join(req(room, { expiresAt: Date.now() + 50 }));
        if (!r.ok) throw new Error(r.code);
        expected.push(`${room}/${r.member.id}`);
      }
    }
    const later = Date.now() + 1000;
    const rounds = await Promise.all([a.reap(later), b.reap(later), a.reap(later), b.reap(later)]);
    const removed = rounds.flat().map((r) => `${r.roomId}/${r.member.id}`);
    expect(removed.sort()).toEqual(expected.sort());
    for (const room of rooms) expect(await a.snapshot(room)).toBeNull();
  });

  test('capacity is exact under 50 concurrent joins from two replicas', async () => {
    const { list } = await replicas(2);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => list[i % 2].join(req('full', { maxPeers: 8 }))));
    expect(results.filter((r) => r.ok)).toHaveLength(8);
    expect(results.filter((r) => !r.ok && r.code === 'ROOM_FULL')).toHaveLength(42);
    const snap = await list[1].snapshot('full');
    expect(snap?.members).toHaveLength(8);
    expect(snap?.members.filter((m) => m.host)).toHaveLength(1);
  });

  test('concurrent first joins with a password: one sets it, the others re-hash with its salt and get in', async () => {
    const { list } = await replicas(2);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => list[i % 2].join(req('pw', { password: 'open' }))));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, true]);
    const snap = await list[0].snapshot('pw');
    expect(snap?.hasPassword).toBe(true);
    expect(snap?.members).toHaveLength(6);
    expect(await list[1].join(req('pw', { password: 'shut' }))).toEqual({ ok: false, code: 'WRONG_PASSWORD' });
  });

  /** After a room emptied: only its ended meeting, remembered for the lifetime of a token (24 h). */
  const onlyEnded = async (prefix: string, room: string, meeting: string) => {
    expect(await raw.keys(`${prefix}*`)).toEqual([`${prefix}{${room}}:ended`]);
    expect(await raw.zRange(`${prefix}{${room}}:ended`, 0, -1)).toEqual([meeting]);
    const ttl = await raw.pTTL(`${prefix}{${room}}:ended`);
    expect(ttl).toBeGreaterThan(ENDED_MEETING_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(ENDED_MEETING_MS);
  };

  test('every key of a room is gone once it empties but its ended meeting, and the lease index forgets it', async () => {
    const { list, prefix } = await replicas(2);
    const [a, b] = list;
    const ja = await a.join(req('gone', { sid: 'sa', password: 'pw' }));
    const jb = await b.join(req('gone', { sid: 'sb', password: 'pw' }));
    if (!ja.ok || !jb.ok) throw new Error('join refused');
    await a.addChat('gone', { id: 'm', from: ja.member.id, name: 'A', text: 'hi', ts: 1 }, 10);
    await a.kick('gone', ja.member.id, jb.member.id);
    await a.setSettings('gone', ja.member.id, { locked: true });
    const live = await raw.keys(`${prefix}*`);
    expect(live.sort()).toEqual(
      ['bans', 'chat', 'exp', 'meta', 'order', 'peers']
        .map((k) => `${prefix}{gone}:${k}`)
        .concat(`${prefix}rooms`)
        .sort(),
    );
    // Every room key carries the safety TTL.
    for (const key of live.filter((k) => k.includes('{gone}'))) expect(await raw.pTTL(key)).toBeGreaterThan(0);
    const { meeting } = (await a.snapshot('gone'))!;
    await b.leave({ roomId: 'gone', peerId: ja.member.id, sid: 'sa' });
    await onlyEnded(prefix, 'gone', meeting);
  });

  test('a room whose last participant is reaped leaves nothing behind but its ended meeting', async () => {
    const { list, prefix } = await replicas(1);
    const r = await list[0].join(req('reaped', { sid: 'x' }));
    if (!r.ok) throw new Error(r.code);
    await list[0].detach({ roomId: 'reaped', peerId: r.member.id, sid: 'x' }, Date.now() - 1);
    expect((await list[0].reap(Date.now())).map((x) => x.reason)).toEqual(['disconnected']);
    await onlyEnded(prefix, 'reaped', 'm1');
  });

  test('the left PeerIds carry the safety TTL and go with the room', async () => {
    const { list, prefix } = await replicas(2);
    const [a, b] = list;
    const ja = await a.join(req('left', { sid: 'sa' }));
    const jb = await b.join(req('left', { sid: 'sb' }));
    if (!ja.ok || !jb.ok) throw new Error('join refused');
    await b.leave({ roomId: 'left', peerId: jb.member.id, sid: 'sb' });
    expect(await raw.sMembers(`${prefix}{left}:left`)).toEqual([jb.member.id]);
    expect(await raw.pTTL(`${prefix}{left}:left`)).toBeGreaterThan(0);
    await a.leave({ roomId: 'left', peerId: ja.member.id, sid: 'sa' });
    await onlyEnded(prefix, 'left', 'm1');
  });

  test('ended meetings of one room code are bounded: the oldest are forgotten past 1,000', async () => {
    const { list, prefix } = await replicas(1);
    const ids = Array.from({ length: 1003 }, (_, i) => `m${i}`);
    for (const [i, meeting] of ids.entries()) {
      const r = await list[0].join(req('busy', { sid: 's', meeting, now: Date.now() + i }));
      if (!r.ok) throw new Error(r.code);
      await list[0].leave({ roomId: 'busy', peerId: r.member.id, sid: 's' });
    }
    const kept = await raw.zRange(`${prefix}{busy}:ended`, 0, -1);
    expect(kept).toHaveLength(1000);
    expect(kept).not.toContain('m0');
    expect(kept).toContain('m1002');
  });

  test('a kick on one replica holds on every replica; a cached membership elsewhere runs out', async () => {
    const { list } = await replicas(2);
    const [a, b] = list;
    const host = await a.join(req('k'));
    const t = await b.join(req('k'));
    if (!host.ok || !t.ok) throw new Error('join refused');
    expect(await b.isMember('k', t.member.id)).toBe(true);
    const r = await b.kick('k', t.member.id, host.member.id);
    expect(r).toEqual({ ok: false, code: 'NOT_HOST' });
    expect((await a.kick('k', host.member.id, t.member.id)).ok).toBe(true);
    expect(await a.isMember('k', t.member.id)).toBe(false);
    expect(
      await b.join(req('k', { peerId: t.member.id, resume: { meeting: (await b.snapshot('k'))!.meeting, host: false, password: false } })),
    ).toEqual({ ok: false, code: 'BANNED' });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await b.isMember('k', t.member.id)).toBe(false);
  });

  test("one lease covers a replica's places in every room; another replica reaps them all once it ends", async () => {
    const { list, prefix } = await replicas(2);
    const [a, b] = list;
    const owner = 'ra.1';
    expect(await a.renewOwner(owner, 400, true)).toBe('ok');
    const joined = [];
    for (const room of ['o1', 'o2', 'o3']) {
      for (let i = 0; i < 2; i++) {
        const r = await a.join(req(room, { owner, expiresAt: Date.now() - 1 }));
        if (!r.ok) throw new Error(r.code);
        joined.push(r.member.id);
      }
    }
    expect((await raw.sMembers(`${prefix}owner:${owner}:rooms`)).sort()).toEqual(['o1', 'o2', 'o3']);
    // Renewals keep them all, with one command per replica whatever their number.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(await a.renewOwner(owner, 400, false)).toBe('ok');
      expect(await b.reap(Date.now())).toEqual([]);
    }
    // The room left without a covered place stops being listed; the others stay.
    const [first, second] = joined;
    await a.detach({ roomId: 'o1', peerId: first, sid: `s${first}` }, Date.now() + 60_000);
    await a.leave({ roomId: 'o1', peerId: second, sid: `s${second}` });
    await a.release(owner, ['o1', 'o2']);
    expect((await raw.sMembers(`${prefix}owner:${owner}:rooms`)).sort()).toEqual(['o2', 'o3']);
    await new Promise((r) => setTimeout(r, 600));
    const removals = await b.reap(Date.now());
    expect(removals.map((r) => [r.roomId, r.member.id, r.reason]).sort()).toEqual(
      joined
        .slice(2)
        .map((id, i) => [['o2', 'o2', 'o3', 'o3'][i], id, 'disconnected'])
        .sort(),
    );
    expect(await a.reap(Date.now())).toEqual([]);
    expect(await raw.zScore(`${prefix}owners`, owner)).toBeNull();
    expect(await raw.exists(`${prefix}owner:${owner}:rooms`)).toBe(0);
    expect(await a.renewOwner(owner, 400, false)).toBe('lapsed');
    // The participant away in o1 keeps its place for its grace period.
    expect((await b.snapshot('o1'))?.members.map((m) => m.id)).toEqual([first]);
  });

  test('scripts are loaded again after Redis forgets them', async () => {
    const { list } = await replicas(1);
    await raw.scriptFlush();
    const r = await list[0].join(req('flushed'));
    expect(r.ok).toBe(true);
  });
});
