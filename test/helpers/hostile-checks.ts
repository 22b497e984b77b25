/**
 * One check per kind of hostile case: it sends the case into the world and asserts what every case must hold:
 * refused with a code, dropped, or closing only the sender's connection; nothing reaches anybody outside the
 * sender's room, nothing refused reaches anybody inside it, room state does not change, and every replica still
 * serves (a few cases are accepted with the server's own values, or admitted alike on every replica).
 */
import { io } from 'socket.io-client';
import type { Ack, Peer } from '../../server/protocol/events';
import type { RoomSnapshot } from '../../server/rooms/store';
import { rawConnect, rawHttp, rawJoin } from '../security/raw';
import { connect, disconnected, emitAck, join, record, refused, sleep, socketOptions, sync, waitFor, type Joined } from './client';
import type { EventCase, EventCtx } from './hostile-events';
import type { ClientFrameCase, RawCase } from './hostile-frames';
import type { HttpCase } from './hostile-http';
import type { ResumeCtx } from './hostile-inputs';
import type { HostileWorld, Outcome } from './hostile-world';

/** The checks, bound to `world` (call at the top of the suite, after useHostileWorld). */
export function hostileChecks(world: HostileWorld) {
  const { replicas: n, servers, url, from, nextAddr, fresh, roomA, roomB, cast, id, token, attackers, insideLogs } = world;
  const { outsideEver, rawConns, tally, count, state, settle, alive, quietly } = world;

  /** Sends a bad event: guests alternate between Gus and Bea, lobby attackers rotate over the replicas. */
  async function event(kase: EventCase, i: number): Promise<void> {
    const guest = i % 2 === 0 ? cast.gus : cast.bea;
    const other = guest === cast.gus ? cast.bea : cast.gus;
    const sender = kase.by === 'host' ? cast.mal.socket : kase.by === 'guest' ? guest.socket : attackers[i % n];
    const self = kase.by === 'host' ? id.mal : guest.welcome.self.id;
    const ctx: EventCtx = {
      self,
      host: id.mal,
      guest: other.welcome.self.id,
      bystander: kase.by === 'host' ? id.gus : other.welcome.self.id,
      outsider: [id.oz, id.ola, id.obi][i % 3],
      roomA,
      roomB,
      id,
    };
    await quietly(async () => {
      const args = kase.args(ctx);
      if (kase.expect === 'dropped') {
        sender.emit(kase.event, ...args);
        count('dropped');
      } else {
        const reply = (await sender.timeout(5000).emitWithAck(kase.event, ...args)) as {
          ok: boolean;
          error?: { code: string; message: string };
        };
        if (kase.expect === 'replaced') {
          expect(reply).toEqual({ ok: true });
          count('replaced');
        } else {
          expect(reply).toEqual({ ok: false, error: { code: kase.expect, message: expect.any(String) } });
          expect(reply.error?.message).not.toMatch(/\n\s+at |Error:|zod|node_modules|redis/i);
          count('refused');
        }
      }
      await settle(sender);
      expect(sender.connected).toBe(true);
      if (kase.expect !== 'replaced') return;
      const who = (['mal', 'gus', 'bea'] as const).find((w) => id[w] === ctx.bystander) as string;
      expect(insideLogs[who].map((e) => e.event)).toEqual(['signal']);
      expect(insideLogs[who][0].args[0]).toEqual({ from: self, candidate: null });
      return { [who]: 1 };
    });
  }

  /** A handshake refused with BAD_REQUEST on replica `r`, admitting nobody to the room it names. */
  async function badHandshake(auth: unknown, r: number): Promise<void> {
    await quietly(async () => {
      const refusal = await refused(url(r), auth as Record<string, unknown>, from(nextAddr()));
      expect(refusal.message).toBe('BAD_REQUEST');
      expect(refusal.data).toEqual({ code: 'BAD_REQUEST', message: expect.any(String) });
      count('refused');
      await settle();
      expect(await servers[0].parley.store.snapshot('hs-room')).toBeNull();
    });
  }

  /** A name admitted on replica `r` is stored as `stored` and read so by a member and a lobby peek on the others. */
  async function admittedName(name: string, stored: string, r: number): Promise<void> {
    const room = fresh('uni');
    const observer = await join(url(r + 1), { room, name: 'Watcher' }, from(nextAddr()));
    const lobby = connect(url(r + 2), '/lobby', from(nextAddr()));
    await quietly(async () => {
      const joined = waitFor<Peer>(observer.socket, 'peer:joined');
      const p = await join(url(r), { room, name }, from(nextAddr()));
      expect(p.welcome.self.name).toBe(stored);
      expect((await joined).name).toBe(stored);
      const peek = await emitAck<{ room: { names: string[] } }>(lobby, 'lobby:peek', { room });
      expect(peek.ok && peek.room.names).toEqual(['Watcher', stored]);
      count('admitted');
      await emitAck(p.socket, 'room:leave');
      await emitAck(observer.socket, 'room:leave');
      lobby.close();
      await settle();
    });
  }

  /** A bad resume token, presented as Gus on replica `r`: BAD_REQUEST, and Gus keeps his place. */
  async function badResume(make: (c: ResumeCtx) => { room: string; token: unknown }, r: number): Promise<void> {
    await quietly(async () => {
      const c = { roomA, roomB, secret: servers[0].config.secret, id, token, now: Math.floor(Date.now() / 1000) };
      const { room, token: resume } = make(c);
      const refusal = await refused(url(r), { room, name: 'Gus', resume }, from(nextAddr()));
      expect(refusal.data?.code).toBe('BAD_REQUEST');
      count('refused');
      await settle();
      expect(cast.gus.socket.connected).toBe(true);
    });
  }

  /** A participant kicked on one replica is BANNED on every replica: by its token, by its name from its address, in any case. */
  async function kickedIsBanned(): Promise<void> {
    const room = fresh('kick');
    const host = await join(url(0), { room, name: 'Hank' }, from('10.201.0.1'));
    const kip = await join(url(1), { room, name: 'Kip' }, from('10.201.0.2'));
    const gone = disconnected(kip.socket);
    expect(await emitAck(host.socket, 'host:kick', { id: kip.welcome.self.id })).toEqual({ ok: true });
    await gone;
    const members = async () => (await servers[0].parley.store.snapshot(room))?.members.map((m) => [m.id, m.name, m.sid]);
    const afterKick = await members();
    await quietly(async () => {
      for (let r = 0; r < n; r++) {
        for (const auth of [
          { room, name: 'Kip', resume: kip.welcome.resume },
          { room, name: 'Someone else', resume: kip.welcome.resume },
          { room, name: 'Kip' },
          { room, name: 'KIP' },
          { room: room.toUpperCase(), name: ' kip ' },
        ]) {
          const refusal = await refused(url(r), auth, from('10.201.0.2'));
          expect(refusal.data?.code).toBe('BANNED');
          count('refused');
        }
      }
      expect(await members()).toEqual(afterKick);
      await settle();
    });
  }

  /** A participant that left on the last replica: its token, on every replica, admits a newcomer, never it again. */
  async function leaverIsNewcomer(): Promise<void> {
    const room = fresh('left');
    await join(url(0), { room, name: 'Hank' }, from(nextAddr()));
    const lea = await join(url(n - 1), { room, name: 'Lea' }, from(nextAddr()));
    expect(await emitAck(lea.socket, 'room:leave')).toEqual({ ok: true });
    await quietly(async () => {
      for (let r = 0; r < n; r++) {
        const back = await join(url(r), { room, name: 'Lea', resume: lea.welcome.resume }, from(nextAddr()));
        expect([back.welcome.self.id === lea.welcome.self.id, back.welcome.self.host]).toEqual([false, false]);
        expect(await emitAck(back.socket, 'room:leave')).toEqual({ ok: true });
        count('admitted');
      }
      await settle();
    });
  }

  /** A handshake to a namespace that does not exist is refused, and nobody notices. */
  async function unknownNamespace(r: number): Promise<void> {
    await quietly(async () => {
      const admin = io(`${url(r)}/admin`, socketOptions(from(nextAddr())));
      const err = await new Promise<Error>((resolve) => admin.once('connect_error', resolve));
      admin.close();
      expect(err.message).toBe('Invalid namespace');
      count('refused');
      await settle();
    });
  }

  /** Raw frames from a raw client alone in a room of its own on replica `r`, then a round trip on the same connection. */
  async function rawFrames(kase: RawCase, r: number): Promise<void> {
    const conn = await rawConnect(url(r), { 'x-forwarded-for': nextAddr() });
    rawConns.push(conn);
    const joined = await rawJoin(conn, { room: fresh('raw'), name: 'Raw' });
    if (!joined.ok) throw new Error(`the raw client was refused: ${joined.code}`);
    await quietly(async () => {
      const sent = conn.frames.length;
      for (const f of kase.frames(joined.welcome.self.id, id)) {
        if (typeof f === 'string') conn.send(f);
        else if ('binary' in f) conn.send(f.binary, true);
        else conn.send(f.text, false);
      }
      // An unknown event with an ack is answered unless the connection closed.
      conn.send('42/room,424242["sync:ping"]');
      const pong = await conn.frame('43/room,424242', 5000);
      // Acks of events that await the room store come after the pong: give them a moment.
      const isReply = (f: string | Buffer): f is string => typeof f === 'string' && /^4[34]\/(room|admin),(?!424242)/.test(f);
      for (let waited = 0; pong !== null && waited < (kase.expect === 'refused' ? 5000 : 300); waited += 50) {
        if (conn.frames.slice(sent).some(isReply)) break;
        await sleep(50);
      }
      const replies = conn.frames.slice(sent).filter(isReply);
      let outcome: Outcome;
      if (pong === null) {
        await conn.closed;
        outcome = 'closed';
      } else if (replies.length > 0) {
        outcome = 'refused';
        for (const reply of replies) {
          const body = reply.slice(reply.indexOf(',') + 1).replace(/^\d+/, '');
          const parsed = JSON.parse(body) as unknown;
          const error = Array.isArray(parsed)
            ? (parsed[0] as { ok: boolean; error?: { code: string } })
            : (parsed as { data?: unknown; message?: string });
          expect(JSON.stringify(error)).toMatch(/"ok":false|"code":"BAD_REQUEST"|Invalid namespace/);
        }
      } else {
        outcome = 'dropped';
      }
      expect(outcome).toBe(kase.expect);
      count(outcome);
      conn.close();
      await settle();
    });
  }

  /** Packets from socket.io-client on a connection of its own, alone in its room on replica `r`. */
  async function clientFrames(kase: ClientFrameCase, r: number): Promise<void> {
    const loner = await join(url(r), { room: fresh('loner'), name: 'Loner' }, { transports: kase.transports, ...from(nextAddr()) });
    await quietly(async () => {
      const closed = kase.expect === 'closed' ? disconnected(loner.socket) : undefined;
      kase.send(loner.socket, id);
      if (closed) {
        expect(await closed).toMatch(/transport|parse|server/);
      } else {
        await settle(loner.socket);
        expect(loner.socket.connected).toBe(true);
      }
      count(kase.expect);
      await settle();
    });
  }

  /** A request to replica `r`: one of its statuses, nothing leaked or reflected, the security headers on Koa's pages. */
  async function http(kase: HttpCase, r: number): Promise<void> {
    const res = await rawHttp(servers[r].port, kase.req);
    expect(kase.status).toContain(res.status);
    expect(res.body).not.toMatch(/"name": "parley"|root:x:0:0|SECRET|\[core\]|node_modules|\n\s+at \S+ \(/);
    expect(res.body).not.toMatch(/<script>alert|<img>|evil\.example|onerror=/i);
    // 500 would be a failure inside Parley; 501 is Node's own answer to a method it does not implement.
    if (res.status === 500 || res.status > 501) tally.crashes++;
    expect(res.status === 500 || res.status > 501).toBe(false);
    // Koa's pages (not Engine.IO's or Node's own bare answers) carry the security headers.
    if (res.status > 0 && /x-parley-replica/i.test(res.head)) expect(res.head).toMatch(/content-security-policy: default-src 'self'/i);
    count(res.status === 0 ? 'closed' : res.status < 300 || res.status === 302 ? 'served' : 'refused');
    await alive();
  }

  /** The end-of-suite check: every replica serves, room B never heard a thing, A and B are as they were. */
  async function afterwards(): Promise<void> {
    for (let r = 0; r < n; r++) {
      const res = await fetch(`${url(r)}/healthz`);
      if (res.status !== 200) tally.crashes++;
      expect(res.status).toBe(200);
      const probe = await join(url(r), { room: fresh('probe'), name: 'Probe' }, from(nextAddr()));
      expect(probe.welcome.peers).toEqual([]);
      probe.socket.close();
    }
    await sleep(500);
    await settle();
    expect(outsideEver.flat()).toEqual([]);
    const s = (await state()) as { a: RoomSnapshot; b: RoomSnapshot; chatA: unknown[]; chatB: unknown[] };
    expect(s.a.members.map((m) => m.name)).toEqual(['Mal', 'Gus', 'Bea']);
    expect(s.b.members.map((m) => m.name)).toEqual(['Oz', 'Ola', 'Obi']);
    expect(s.a.locked).toBe(false);
    expect(s.chatA).toHaveLength(1);
    expect(s.chatB).toHaveLength(1);
    expect(tally.crashes).toBe(0);
    expect(tally.leaked).toBe(0);
    expect(tally.cases).toBeGreaterThanOrEqual(200);
  }

  return {
    event,
    badHandshake,
    admittedName,
    badResume,
    kickedIsBanned,
    leaverIsNewcomer,
    unknownNamespace,
    rawFrames,
    clientFrames,
    http,
    afterwards,
  };
}

/**
 * `n` events at once from `sender`, the i-th with `payload(i)`; returns the replies and how many were accepted, once
 * `reader` has had `deliveryMs` and a round trip, and asserts it received exactly that many `delivered` events.
 */
export async function flood(
  sender: Joined,
  event: string,
  n: number,
  payload: (i: number) => unknown,
  reader: Joined,
  delivered: string,
  deliveryMs: number,
): Promise<{ replies: Array<Ack<object>>; ok: number; seen: ReturnType<typeof record> }> {
  const seen = record(reader.socket);
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => emitAck(sender.socket, event, payload(i))));
  const ok = replies.filter((r) => r.ok).length;
  await sleep(deliveryMs);
  await sync(reader.socket);
  expect(seen.filter((e) => e.event === delivered)).toHaveLength(ok);
  return { replies, ok, seen };
}
