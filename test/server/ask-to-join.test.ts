/**
 * Ask to join: knocking on `/lobby`, hosts and co-hosts admitting or denying on `/room`, tickets, and capacity that
 * counts only admitted participants; on one replica with state in memory and on three replicas on a real
 * redis-server (participant i on replica i mod 3, knockers on other replicas than the hosts).
 */
import type { Socket } from 'socket.io-client';
import type { Knock, KnockStatus, LobbyRoom, RoomSettings } from '../../server/protocol/events';
import { issueTicket } from '../../server/realtime/knocks';
import { connect, emitAck, join, joinInOrder, nothing, peek, record, refused, sync, waitFor, type Joined } from '../helpers/client';
import type { Cluster } from '../helpers/cluster';
import { REPLICA_SETUPS, useReplicaSet } from '../helpers/replica-set';

jest.setTimeout(20_000);

let n = 0;
const fresh = () => `knock-${++n}-${Date.now().toString(36)}`;
const refusedWith = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });
const names = (list: Knock[]) => list.map((k) => k.name);

/** A knock from a new `/lobby` socket; resolves with its socket and status. */
async function knock(url: string, room: string, name: string): Promise<{ lobby: Socket; status: KnockStatus }> {
  const lobby = connect(url, '/lobby');
  const r = await emitAck<{ knock: KnockStatus }>(lobby, 'lobby:knock', { room, name });
  if (!r.ok) throw new Error(`knock refused: ${r.error.code}`);
  return { lobby, status: r.knock };
}

/** The next `room:knocks` a host or co-host hears that lists exactly `expected` (names, oldest first). */
const knocksAre = (j: Joined, ...expected: string[]) =>
  waitFor<{ knocks: Knock[] }>(j.socket, 'room:knocks', 5000, (m) => JSON.stringify(names(m.knocks)) === JSON.stringify(expected));

describe.each(REPLICA_SETUPS)('%s', (_label, replicas) => {
  const members = (room: string, ...who: string[]) => joinInOrder(url, room, ...who);
  /** A meeting of Ada (host), Bob (co-host) and Cy, asking to join. */
  async function meeting(room: string): Promise<[Joined, Joined, Joined]> {
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    await emitAck(ada.socket, 'host:cohost', { id: bob.welcome.self.id, cohost: true });
    const told = waitFor<RoomSettings>(cy.socket, 'room:updated');
    expect(await emitAck(ada.socket, 'host:settings', { askToJoin: true })).toMatchObject({ ok: true, settings: { askToJoin: true } });
    expect(await told).toEqual({ locked: false, askToJoin: true });
    return [ada, bob, cy];
  }

  const set = useReplicaSet(replicas, { joinRatePerAddr: 1000, joinBurstPerAddr: 1000, resumeGraceMs: 1500, roomMaxPeers: 4 });
  const { url } = set;

  test('a newcomer must knock; hosts and co-hosts see it, the others do not; admitted, it joins with its ticket', async () => {
    const room = fresh();
    const [ada, bob, cy] = await meeting(room);
    expect((await peek(url(2), room)) as { room: LobbyRoom }).toMatchObject({ ok: true, room: { count: 3, askToJoin: true } });
    expect((await refused(url(1), { room, name: 'Dee' })).message).toBe('ASK_TO_JOIN');

    const cySeen = record(cy.socket);
    const atAda = knocksAre(ada, 'Dee');
    const atBob = knocksAre(bob, 'Dee');
    const { lobby, status } = await knock(url(2), room, 'Dee');
    expect(status).toEqual({ id: expect.any(String), state: 'waiting' });
    await Promise.all([atAda, atBob]);
    // The knocker hears nothing of the call, and participants nothing of the knock.
    const lobbySeen = record(lobby);

    const admitted = waitFor<{ room: string; id: string; ticket: string }>(lobby, 'lobby:admitted');
    const emptied = knocksAre(bob);
    expect(await emitAck(ada.socket, 'host:admit', { id: status.id })).toEqual({ ok: true, admitted: 1 });
    const answer = await admitted;
    expect(answer).toEqual({ room, id: status.id, ticket: expect.any(String) });
    await emptied;
    expect(lobbySeen.map((e) => e.event)).toEqual(['lobby:admitted']);

    const joined = waitFor(cy.socket, 'peer:joined');
    const dee = await join(url(2), { room, name: 'Dee', admit: answer.ticket });
    expect(dee.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Bob', 'Cy']);
    expect(await joined).toMatchObject({ name: 'Dee' });
    await sync(cy.socket);
    expect(cySeen.map((e) => e.event)).toEqual(['peer:joined']);

    // Knocking again with the same id tells the answer (an answer missed while the knocker was away is not lost).
    const again = await emitAck<{ knock: KnockStatus }>(lobby, 'lobby:knock', { room, name: 'Dee', id: status.id });
    expect(again).toEqual({ ok: true, knock: { id: status.id, state: 'admitted', ticket: expect.any(String) } });
  });

  test('a denied knocker is told, cannot knock again for a minute, and gets no way in', async () => {
    const room = fresh();
    const [ada, bob] = await meeting(room);
    const listed = knocksAre(ada, 'Eve');
    const { lobby, status } = await knock(url(1), room, 'Eve');
    await listed;
    const denied = waitFor(lobby, 'lobby:denied');
    expect(await emitAck(bob.socket, 'host:deny', { id: status.id })).toEqual({ ok: true });
    expect(await denied).toEqual({ room, id: status.id });
    expect(await emitAck(lobby, 'lobby:knock', { room, name: 'Eve' })).toEqual(refusedWith('DENIED'));
    expect(await emitAck(connect(url(2), '/lobby'), 'lobby:knock', { room, name: 'Eve' })).toEqual(refusedWith('DENIED'));
    expect((await refused(url(0), { room, name: 'Eve' })).message).toBe('ASK_TO_JOIN');
    // Tickets are checked: forged, for another name, for another room.
    for (const admit of ['forged.ticket', issueTicket('not-the-secret-of-this-cluster', room, status.id, 'Eve')]) {
      expect((await refused(url(0), { room, name: 'Eve', admit })).message).toBe('BAD_REQUEST');
    }
    expect(await peek(url(0), room)).toMatchObject({ room: { count: 3 } });
  });

  test('participants cannot admit or deny; the knock stays; a co-host admits all at once', async () => {
    const room = fresh();
    const [ada, bob, cy] = await meeting(room);
    const listed = knocksAre(ada, 'Fay', 'Gus');
    const first = await knock(url(1), room, 'Fay');
    const second = await knock(url(2), room, 'Gus');
    await listed;
    expect(await emitAck(cy.socket, 'host:admit', { id: first.status.id })).toEqual(refusedWith('NOT_HOST'));
    expect(await emitAck(cy.socket, 'host:admit', { all: true })).toEqual(refusedWith('NOT_HOST'));
    expect(await emitAck(cy.socket, 'host:deny', { id: first.status.id })).toEqual(refusedWith('NOT_HOST'));
    expect(await emitAck(ada.socket, 'host:admit', { id: 'nobody-knocks-so' })).toEqual(refusedWith('NOT_IN_ROOM'));
    await nothing(first.lobby, 'lobby:denied', 200);
    const both = [waitFor(first.lobby, 'lobby:admitted'), waitFor(second.lobby, 'lobby:admitted')];
    expect(await emitAck(bob.socket, 'host:admit', { all: true })).toEqual({ ok: true, admitted: 2 });
    await Promise.all(both);
  });

  test('capacity counts only admitted participants: an admitted knocker can still find the room full', async () => {
    const room = fresh();
    const [ada] = await meeting(room);
    const listed = knocksAre(ada, 'Hal', 'Ivy');
    const one = await knock(url(1), room, 'Hal');
    const two = await knock(url(2), room, 'Ivy');
    await listed;
    const tickets = [waitFor<{ ticket: string }>(one.lobby, 'lobby:admitted'), waitFor<{ ticket: string }>(two.lobby, 'lobby:admitted')];
    await emitAck(ada.socket, 'host:admit', { all: true });
    const [t1, t2] = await Promise.all(tickets);
    await join(url(1), { room, name: 'Hal', admit: t1.ticket });
    expect((await refused(url(2), { room, name: 'Ivy', admit: t2.ticket })).message).toBe('ROOM_FULL');
  });

  test('a knocker that gives up or goes away leaves the list; turning "ask to join" off lets the rest in', async () => {
    const room = fresh();
    const [ada, bob] = await meeting(room);
    const listed = knocksAre(bob, 'Jo', 'Kai', 'Lu');
    const a = await knock(url(1), room, 'Jo');
    const b = await knock(url(2), room, 'Kai');
    const c = await knock(url(0), room, 'Lu');
    await listed;
    let list = knocksAre(bob, 'Kai', 'Lu');
    expect(await emitAck(a.lobby, 'lobby:withdraw', { room, id: a.status.id })).toEqual({ ok: true });
    await list;
    list = knocksAre(bob, 'Lu');
    b.lobby.close();
    await list;
    const letIn = waitFor(c.lobby, 'lobby:admitted');
    const open = waitFor<RoomSettings>(bob.socket, 'room:updated');
    await emitAck(ada.socket, 'host:settings', { askToJoin: false });
    expect(await open).toEqual({ locked: false, askToJoin: false });
    await letIn;
    // Open again: newcomers join directly, and a knock says so.
    expect(await emitAck(connect(url(2), '/lobby'), 'lobby:knock', { room, name: 'Mo' })).toEqual({
      ok: true,
      knock: { id: expect.any(String), state: 'open' },
    });
    await join(url(2), { room, name: 'Mo' });
  });

  test('knocking on a locked room is ROOM_LOCKED; bad knocks are BAD_REQUEST and change nothing', async () => {
    const room = fresh();
    const [ada] = await meeting(room);
    const lobby = connect(url(1), '/lobby');
    for (const bad of [
      { room },
      { room, name: '' },
      { room, name: 'Ned', id: 'short' },
      { room, name: 'Ned', id: 'x'.repeat(33) },
      { room, name: 'Ned', host: true },
      { room: 'Not A Room!', name: 'Ned' },
    ]) {
      expect(await emitAck(lobby, 'lobby:knock', bad)).toEqual(refusedWith('BAD_REQUEST'));
    }
    expect(await emitAck(lobby, 'lobby:withdraw', { room, id: 'never-knocked-here' })).toEqual(refusedWith('NOT_IN_ROOM'));
    await emitAck(ada.socket, 'host:lock', { locked: true });
    expect(await emitAck(lobby, 'lobby:knock', { room, name: 'Ned' })).toEqual(refusedWith('ROOM_LOCKED'));
    expect(await emitAck(ada.socket, 'host:admit', { all: true })).toEqual({ ok: true, admitted: 0 });
  });

  if (replicas === 3) {
    test('the queue outlives the host`s replica: the co-host on another replica admits', async () => {
      const room = fresh();
      const [, bob] = await meeting(room);
      const listed = knocksAre(bob, 'Oz');
      const k = await knock(url(2), room, 'Oz');
      await listed;
      await (set.cluster() as Cluster).replicas[0].close();
      const admitted = waitFor<{ ticket: string }>(k.lobby, 'lobby:admitted');
      expect(await emitAck(bob.socket, 'host:admit', { id: k.status.id })).toEqual({ ok: true, admitted: 1 });
      const oz = await join(url(2), { room, name: 'Oz', admit: (await admitted).ticket });
      expect(oz.welcome.peers.map((p) => p.name)).toContain('Bob');
    });
  }
});
