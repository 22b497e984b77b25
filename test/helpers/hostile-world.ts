/**
 * The world the hostile suites attack, on one replica or on several: room A (Mal the host, Gus, Bea) and room B
 * (Oz, Ola, Obi) spread over the replicas, lobby sockets that attack and lobby sockets that watch A and B on
 * each replica, with what each of them hears, the rooms' state and a crash check. hostile-checks.ts sends the
 * cases into it.
 */
import type { Socket } from 'socket.io-client';
import type { RoomSnapshot } from '../../server/rooms/store';
import type { RawConn } from '../security/raw';
import { closeAll, connect, emitAck, join, record, sleep, sync, type Joined } from './client';
import type { Cast } from './hostile-inputs';
import type { TestServer } from './server';

export type Outcome = 'refused' | 'dropped' | 'closed' | 'replaced' | 'admitted' | 'served';
type Log = ReturnType<typeof record>;

export interface WorldOptions {
  /** How many replicas `start` gives (known before it runs, for the names of the cases). */
  replicas: number;
  /** Starts the replicas (with the rooms' store behind replica 0 shared by all). */
  start(): Promise<{ servers: TestServer[]; close(): Promise<void> }>;
  /** How long after a round trip anything the case caused has reached every observer (fan-out through Redis takes longer). */
  settleMs: number;
  /** Names the setting in the printed totals. */
  label: string;
}

/** `items` once per replica, named `(replica r)` where there are several; `[name, item, replica]` rows for test.each. */
export function onEvery<T>(replicas: number, items: T[], name: (t: T) => string): Array<[string, T, number]> {
  return items.flatMap((t) =>
    Array.from({ length: replicas }, (_, r) => [replicas > 1 ? `${name(t)} (replica ${r})` : name(t), t, r] as [string, T, number]),
  );
}

/**
 * `items` spread over the replicas in turn (the i-th on replica i mod `replicas`), for cases whose outcome depends only
 * on the replica that receives them (HTTP, raw frames, handshakes): every replica gets its share, each case runs once.
 */
export function inTurn<T>(replicas: number, items: T[], name: (t: T) => string): Array<[string, T, number]> {
  return items.map((t, i) => [replicas > 1 ? `${name(t)} (replica ${i % replicas})` : name(t), t, i % replicas]);
}

/** Registers beforeAll/afterAll that set the world up and tear it down; what it returns is usable inside tests. */
export function useHostileWorld(opts: WorldOptions) {
  const n = opts.replicas;
  const servers: TestServer[] = [];
  let close: () => Promise<void> = async () => undefined;
  const url = (i: number) => servers[i % n].url;
  const tag = Date.now().toString(36);
  let seq = 0;
  /** Every client gets its own address (where X-Forwarded-For is trusted), so only floods meet a per-address limit. */
  const nextAddr = () => {
    const k = ++seq;
    return `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
  };
  const from = (address: string) => ({ extraHeaders: { 'x-forwarded-for': address } });
  const fresh = (what: string) => `${what}-${tag}-${++seq}`;

  const roomA = `hostile-a-${tag}`;
  const roomB = `hostile-b-${tag}`;
  /** Room A: Mal (replica 0), Gus (1), Bea (2). Room B: Oz (0), Ola (1), Obi (2). Modulo the replicas there are. */
  const cast = {} as Record<keyof Cast, Joined>;
  /** The cast's PeerIds, and the resume tokens of their welcomes. */
  const id = {} as Cast;
  const token = {} as Cast;
  /** Lobby sockets that attack, one per replica; lobby watchers of A and of B on every replica. */
  const attackers: Socket[] = [];
  const watchA: Socket[] = [];
  const watchB: Socket[] = [];
  const insideLogs: Record<string, Log> = {};
  const outsideLogs: Record<string, Log> = {};
  /** Room B's side, never cleared: must stay empty for the whole suite. */
  const outsideEver: Log[] = [];
  const tally = { cases: 0, refused: 0, dropped: 0, closed: 0, replaced: 0, admitted: 0, served: 0, crashes: 0, leaked: 0 };
  const count = (o: Outcome) => {
    tally.cases++;
    tally[o]++;
  };
  const rawConns: RawConn[] = [];

  beforeAll(async () => {
    const started = await opts.start();
    servers.push(...started.servers);
    close = started.close;
    const seat = async (who: keyof Cast, r: number, room: string, name: string, address: string) => {
      cast[who] = await join(url(r), { room, name }, from(address));
      id[who] = cast[who].welcome.self.id;
      token[who] = cast[who].welcome.resume;
    };
    await seat('mal', 0, roomA, 'Mal', '10.200.0.1');
    await seat('gus', 1, roomA, 'Gus', '10.200.0.2');
    await seat('bea', 2, roomA, 'Bea', '10.200.0.3');
    await seat('oz', 0, roomB, 'Oz', '10.200.0.4');
    await seat('ola', 1, roomB, 'Ola', '10.200.0.5');
    await seat('obi', 2, roomB, 'Obi', '10.200.0.6');
    await emitAck(cast.bea.socket, 'chat:send', { text: 'history before the attack' });
    await emitAck(cast.oz.socket, 'chat:send', { text: 'room B history' });
    for (let i = 0; i < n; i++) {
      attackers.push(connect(url(i), '/lobby', from(nextAddr())));
      watchA.push(connect(url(i), '/lobby', from(nextAddr())));
      watchB.push(connect(url(i), '/lobby', from(nextAddr())));
      await emitAck(watchA[i], 'lobby:watch', { room: roomA });
      await emitAck(watchB[i], 'lobby:watch', { room: roomB });
    }
    await sleep(300); // the joins' own announcements have arrived everywhere
    for (const who of ['mal', 'gus', 'bea'] as const) insideLogs[who] = record(cast[who].socket);
    watchA.forEach((w, i) => (insideLogs[`lobby-a${i}`] = record(w)));
    for (const who of ['oz', 'ola', 'obi'] as const) outsideLogs[who] = record(cast[who].socket);
    watchB.forEach((w, i) => (outsideLogs[`lobby-b${i}`] = record(w)));
    outsideEver.push(...[cast.oz.socket, cast.ola.socket, cast.obi.socket, ...watchB].map((s) => record(s)));
  });

  afterAll(async () => {
    rawConns.forEach((c) => c.close());
    closeAll();
    await close();
    console.log(
      `hostile input, ${opts.label}: ${tally.cases} cases: ${tally.refused} refused with a code, ${tally.dropped} dropped, ` +
        `${tally.closed} closed the connection, ${tally.replaced} accepted with forged fields replaced, ` +
        `${tally.admitted} admitted alike on every replica, ${tally.served} served without reflecting input; ` +
        `${tally.crashes} crashes, ${tally.leaked} leaked deliveries`,
    );
  });

  /** Room state of A and B as the store has it (without lease times, which heartbeats renew). */
  async function state(): Promise<unknown> {
    const strip = (s: RoomSnapshot | null) => s && { ...s, members: s.members.map(({ expiresAt: _e, ...m }) => m) };
    const { store } = servers[0].parley;
    return {
      a: strip(await store.snapshot(roomA)),
      b: strip(await store.snapshot(roomB)),
      chatA: await store.chat(roomA),
      chatB: await store.chat(roomB),
    };
  }

  const everyone = () => [...Object.values(cast).map((j) => j.socket), ...watchA, ...watchB];

  function clearLogs(): void {
    for (const log of [...Object.values(insideLogs), ...Object.values(outsideLogs)]) log.length = 0;
  }

  /** Anything a replica sent because of the case has reached every observer (fan-out, then a round trip). */
  async function settle(sender?: Socket): Promise<void> {
    if (sender?.connected) await sync(sender);
    await sleep(opts.settleMs);
    await Promise.all(everyone().map((s) => sync(s)));
  }

  /** What observers received; outside-room deliveries count as leaks. `expected` lists deliveries that are right. */
  function expectQuiet(expected: Record<string, number> = {}): void {
    const noisy = (logs: Record<string, Log>) =>
      Object.entries(logs)
        .filter(([who, log]) => log.length !== (expected[who] ?? 0))
        .map(([who, log]) => `${who}: ${JSON.stringify(log).slice(0, 300)}`);
    const outside = noisy(outsideLogs);
    const inside = noisy(insideLogs);
    tally.leaked += Object.values(outsideLogs).reduce((k, l) => k + l.length, 0);
    expect(outside).toEqual([]);
    expect(inside).toEqual([]);
  }

  let probes = 0;
  /** The crash check after every case: each replica answers /healthz, and one of them welcomes a fresh participant. */
  async function alive(): Promise<void> {
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${url(i)}/healthz`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
    }
    const probe = await join(url(++probes), { room: fresh('probe'), name: 'Probe' }, from(nextAddr()));
    expect(probe.welcome.peers).toEqual([]);
    probe.socket.close();
  }

  function notPolluted(): void {
    for (const key of ['polluted', 'x', 'host', 'locked', 'name'])
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, key) ? key : undefined).toBeUndefined();
  }

  /**
   * Runs a case from a clean slate (everything earlier delivered, every log cleared) and checks what every case
   * must leave behind: observers heard nothing but the deliveries `act` returns as expected, rooms A and B are as
   * they were, no prototype is polluted, and every replica serves. `act` settles what it caused itself.
   */
  async function quietly(act: () => Promise<Record<string, number> | void>): Promise<void> {
    const before = await state();
    await settle();
    clearLogs();
    expectQuiet((await act()) ?? {});
    expect(await state()).toEqual(before);
    notPolluted();
    await alive();
  }

  return {
    replicas: n,
    servers,
    url,
    server: (r: number) => servers[r % n],
    from,
    nextAddr,
    fresh,
    roomA,
    roomB,
    cast,
    id,
    token,
    attackers,
    insideLogs,
    outsideEver,
    rawConns,
    tally,
    count,
    state,
    settle,
    clearLogs,
    expectQuiet,
    alive,
    notPolluted,
    quietly,
  };
}

export type HostileWorld = ReturnType<typeof useHostileWorld>;
