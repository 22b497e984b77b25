/**
 * Breakout rooms: a host or co-host sends participants to ordinary rooms, messages them, hears their calls for help,
 * and brings everyone back past the main room's lock; on one replica with state in memory and across three replicas
 * on a real redis-server (participant i on replica i mod 3).
 */
import type { Breakouts } from '../../server/protocol/events';
import { connect, emitAck, join, joinInOrder, nothing, record, sync, waitFor, type Joined } from '../helpers/client';
import { REPLICA_SETUPS, useReplicaSet } from '../helpers/replica-set';

jest.setTimeout(20_000);

let n = 0;
const fresh = () => `brk-${++n}-${Date.now().toString(36)}`;
const refusedWith = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });
type Move = { room: string; name: string; ticket: string; endsAt: number };
type Return = { room: string; ticket: string };

describe.each(REPLICA_SETUPS)('%s', (_label, replicas) => {
  const { url, store } = useReplicaSet(replicas, { joinRatePerAddr: 1000, joinBurstPerAddr: 1000, resumeGraceMs: 1500 });

  /** Leaves `from` and joins the room a move or return names, with its ticket, on replica `at`. */
  async function go(from: Joined, to: { room: string; ticket: string }, name: string, at: number): Promise<Joined> {
    expect(await emitAck(from.socket, 'room:leave')).toEqual({ ok: true });
    return join(url(at), { room: to.room, name, admit: to.ticket });
  }

  test('open, message, help, close: participants go to their rooms and all come back past the lock', async () => {
    const main = fresh();
    const [ada, bob, cy, dee, eve] = await joinInOrder(url, main, 'Ada', 'Bob', 'Cy', 'Dee', 'Eve');
    const moves = [bob, cy, dee].map((j) => waitFor<Move>(j.socket, 'breakout:move'));
    const planAtEve = waitFor<{ breakouts: Breakouts }>(eve.socket, 'room:breakouts');
    const eveSeen = record(eve.socket);
    const opened = await emitAck<{ breakouts: Breakouts }>(ada.socket, 'host:breakouts-open', {
      rooms: ['Room 1', 'Room 2'],
      assign: { [bob.welcome.self.id]: 0, [cy.welcome.self.id]: 0, [dee.welcome.self.id]: 1 },
    });
    if (!opened.ok) throw new Error(opened.error.code);
    const plan = opened.breakouts;
    expect(plan.rooms.map((r) => [r.name, r.members])).toEqual([
      ['Room 1', ['Bob', 'Cy']],
      ['Room 2', ['Dee']],
    ]);
    expect(plan.endsAt).toBe(0);
    expect(new Set(plan.rooms.map((r) => r.id)).size).toBe(2);
    expect((await planAtEve).breakouts).toEqual(plan);
    const [mb, mc, md] = await Promise.all(moves);
    expect([mb.room, mc.room, md.room]).toEqual([plan.rooms[0].id, plan.rooms[0].id, plan.rooms[1].id]);
    expect(mb).toMatchObject({ name: 'Room 1', endsAt: 0 });
    await sync(eve.socket);
    expect(eveSeen.map((e) => e.event)).toEqual(['room:breakouts']);

    // Each goes to its room under its name; a newcomer to the main room learns the plan right behind its welcome.
    const bob1 = await go(bob, mb, 'Bob', 1);
    const cy1 = await go(cy, mc, 'Cy', 2);
    const dee2 = await go(dee, md, 'Dee', 0);
    expect(cy1.welcome.peers.map((p) => p.name)).toEqual(['Bob']);
    expect(dee2.welcome.peers).toEqual([]);
    expect((await store().snapshot(plan.rooms[0].id))?.parent).toBe(main);

    const toBob = waitFor(bob1.socket, 'breakout:message');
    const toDee = waitFor(dee2.socket, 'breakout:message');
    expect(await emitAck(ada.socket, 'host:breakouts-message', { text: '  Five minutes left  ' })).toEqual({ ok: true });
    expect(await toBob).toEqual({ text: 'Five minutes left', from: 'Ada' });
    expect(await toDee).toEqual({ text: 'Five minutes left', from: 'Ada' });
    await nothing(eve.socket, 'breakout:message', 100);

    const help = waitFor(ada.socket, 'breakout:help');
    expect(await emitAck(cy1.socket, 'breakout:help')).toEqual({ ok: true });
    expect(await help).toEqual({ room: 'Room 1', name: 'Cy' });
    expect(await emitAck(eve.socket, 'breakout:help')).toEqual(refusedWith('BAD_REQUEST'));

    // The main room locked and asking to join meanwhile: those coming back come in all the same.
    await emitAck(ada.socket, 'host:settings', { locked: true, askToJoin: true });
    const returns = [bob1, cy1, dee2].map((j) => waitFor<Return>(j.socket, 'breakout:return'));
    const closedAtEve = waitFor<{ breakouts: Breakouts | null }>(eve.socket, 'room:breakouts');
    expect(await emitAck(eve.socket, 'host:breakouts-close')).toEqual(refusedWith('NOT_HOST'));
    expect(await emitAck(ada.socket, 'host:breakouts-close')).toEqual({ ok: true });
    expect(await closedAtEve).toEqual({ breakouts: null });
    const [rb, rc, rd] = await Promise.all(returns);
    expect(rb.room).toBe(main);
    const back = [await go(bob1, rb, 'Bob', 2), await go(cy1, rc, 'Cy', 0), await go(dee2, rd, 'Dee', 1)];
    expect(back[2].welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Eve', 'Bob', 'Cy']);
    // Someone still on the way to a closed breakout room is sent straight back.
    const late = connect(url(1), '/room', { auth: { room: mb.room, name: 'Bob', admit: mb.ticket } });
    const lateReturn = await waitFor<Return>(late, 'breakout:return');
    expect(lateReturn.room).toBe(main);
    // Closing again is harmless; a return ticket is for the main room only.
    expect(await emitAck(ada.socket, 'host:breakouts-close')).toEqual({ ok: true });
    await expect(join(url(0), { room: fresh(), name: 'Bob', admit: rb.ticket })).rejects.toThrow('BAD_REQUEST');
  });

  test('only hosts and co-hosts open rooms, once at a time, for participants of the room; bad plans change nothing', async () => {
    const main = fresh();
    const [ada, bob, cy] = await joinInOrder(url, main, 'Ada', 'Bob', 'Cy');
    const b = bob.welcome.self.id;
    const c = cy.welcome.self.id;
    const bobSeen = record(bob.socket);
    expect(await emitAck(bob.socket, 'host:breakouts-open', { rooms: ['R'], assign: { [c]: 0 } })).toEqual(refusedWith('NOT_HOST'));
    expect(await emitAck(bob.socket, 'host:breakouts-message', { text: 'hi' })).toEqual(refusedWith('NOT_HOST'));
    for (const bad of [
      { rooms: [], assign: {} },
      { rooms: Array.from({ length: 21 }, (_, i) => `R${i}`), assign: {} },
      { rooms: ['R'], assign: { [b]: 1 } },
      { rooms: ['R'], assign: { [b]: -1 } },
      { rooms: ['R'], assign: { [b]: 0.5 } },
      { rooms: [''], assign: {} },
      { rooms: ['R'], assign: {}, minutes: 0 },
      { rooms: ['R'], assign: {}, minutes: 241 },
      { rooms: ['R'], assign: [b] },
      { rooms: ['R'], assign: JSON.parse(`{"__proto__": 0}`) as object },
      { rooms: ['R'], assign: {}, host: true },
    ]) {
      expect(await emitAck(ada.socket, 'host:breakouts-open', bad)).toEqual(refusedWith('BAD_REQUEST'));
    }
    expect(await emitAck(ada.socket, 'host:breakouts-open', { rooms: ['R'], assign: { [ada.welcome.self.id]: 0 } })).toEqual(
      refusedWith('BAD_REQUEST'),
    );
    expect(await emitAck(ada.socket, 'host:breakouts-open', { rooms: ['R'], assign: { nobody: 0 } })).toEqual(refusedWith('NOT_IN_ROOM'));
    expect(await emitAck(ada.socket, 'host:breakouts-message', { text: 'hi' })).toEqual(refusedWith('BAD_REQUEST'));
    await sync(bob.socket);
    expect(bobSeen).toEqual([]);
    expect((await store().snapshot(main))?.breakouts).toBeNull();

    await emitAck(ada.socket, 'host:cohost', { id: b, cohost: true });
    const opened = await emitAck(bob.socket, 'host:breakouts-open', { rooms: ['R'], assign: { [c]: 0 }, minutes: 5 });
    expect(opened).toMatchObject({ ok: true, breakouts: { endsAt: expect.any(Number) } });
    expect(await emitAck(ada.socket, 'host:breakouts-open', { rooms: ['S'], assign: {} })).toEqual(refusedWith('BAD_REQUEST'));
    expect(await emitAck(bob.socket, 'host:breakouts-close')).toEqual({ ok: true });
  });

  test('the timer closes the rooms it was set for and brings everyone back', async () => {
    const main = fresh();
    const [ada, bob] = await joinInOrder(url, main, 'Ada', 'Bob');
    const move = waitFor<Move>(bob.socket, 'breakout:move');
    const opened = await emitAck<{ breakouts: Breakouts }>(ada.socket, 'host:breakouts-open', {
      rooms: ['Quick'],
      assign: { [bob.welcome.self.id]: 0 },
      minutes: 0.1,
    });
    if (!opened.ok) throw new Error(opened.error.code);
    const m = await move;
    expect(m.endsAt).toBeGreaterThan(Date.now() + 3000);
    const bob1 = await go(bob, m, 'Bob', 1);
    const back = waitFor<Return>(bob1.socket, 'breakout:return', 10_000);
    const closed = waitFor<{ breakouts: Breakouts | null }>(ada.socket, 'room:breakouts', 10_000);
    const r = await back;
    expect(Date.now()).toBeGreaterThanOrEqual(m.endsAt - 50);
    expect(await closed).toEqual({ breakouts: null });
    expect((await go(bob1, r, 'Bob', 2)).welcome.peers.map((p) => p.name)).toEqual(['Ada']);
  });
});
