/**
 * The recording notice: a participant says it records, everyone else is told, newcomers find it in their welcome, and
 * it goes away when the participant stops or leaves; on one replica with state in memory and across three replicas
 * on a real redis-server (participant i on replica i mod 3).
 */
import type { Peer, PeerId } from '../../server/protocol/events';
import { dropTransport, emitAck, join, joinInOrder, nothing, record, sync, waitFor, type Joined } from '../helpers/client';
import { REPLICA_SETUPS, useReplicaSet } from '../helpers/replica-set';

jest.setTimeout(20_000);

let n = 0;
const fresh = () => `rec-${++n}-${Date.now().toString(36)}`;
const idOf = (j: Joined): PeerId => j.welcome.self.id;
const refusedWith = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });
type Update = { id: PeerId } & Partial<Peer>;
/** Waits until `j` is told that `id` records (or not). */
const toldRecording = (j: Joined, id: PeerId, on: boolean) =>
  waitFor<Update>(j.socket, 'peer:updated', 8000, (u) => u.id === id && u.recording === on);

describe.each(REPLICA_SETUPS)('%s', (_label, replicas) => {
  const { url, store } = useReplicaSet(replicas, { joinRatePerAddr: 1000, joinBurstPerAddr: 1000, resumeGraceMs: 3000 });
  const members = (room: string, ...names: string[]) => joinInOrder(url, room, ...names);
  const recordingIn = async (room: string) => (await store(1).snapshot(room))?.members.filter((m) => m.recording).map((m) => m.name) ?? [];

  test('everyone else is told when a participant starts and stops recording; a newcomer finds it in its welcome', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    const adaSeen = record(ada.socket);
    // Listening before asking: across replicas the update may reach the others before the ack reaches Bob.
    const atAda = toldRecording(ada, idOf(bob), true);
    const atCy = toldRecording(cy, idOf(bob), true);
    expect(await emitAck(bob.socket, 'recording', { on: true })).toEqual({ ok: true });
    expect(await atAda).toEqual({ id: idOf(bob), recording: true });
    expect(await atCy).toEqual({ id: idOf(bob), recording: true });
    expect(await recordingIn(room)).toEqual(['Bob']);

    const dee = await join(url(3), { room, name: 'Dee' });
    expect(dee.welcome.peers.map((p) => [p.name, p.recording ?? false])).toEqual([
      ['Ada', false],
      ['Bob', true],
      ['Cy', false],
    ]);
    // Those who do not record carry exactly the contract's fields.
    expect(Object.keys(dee.welcome.peers[0]).sort()).toEqual(['hand', 'host', 'id', 'media', 'name']);
    expect(Object.keys(dee.welcome.self).sort()).toEqual(['hand', 'host', 'id', 'media', 'name']);

    const stopAtDee = toldRecording(dee, idOf(bob), false);
    const stopAtAda = toldRecording(ada, idOf(bob), false);
    expect(await emitAck(bob.socket, 'recording', { on: false })).toEqual({ ok: true });
    expect(await stopAtDee).toEqual({ id: idOf(bob), recording: false });
    await stopAtAda;
    expect(await recordingIn(room)).toEqual([]);
    const eve = await join(url(4), { room, name: 'Eve' });
    expect(eve.welcome.peers.every((p) => !('recording' in p))).toBe(true);
    // Ada was told each change once, nothing else about it.
    expect(adaSeen.filter((e) => e.event === 'peer:updated').map((e) => e.args[0])).toEqual([
      { id: idOf(bob), recording: true },
      { id: idOf(bob), recording: false },
    ]);
  });

  test('the sender is not told of its own change; saying it twice tells again and keeps one notice', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const first = toldRecording(bob, idOf(ada), true);
    expect(await emitAck(ada.socket, 'recording', { on: true })).toEqual({ ok: true });
    await first;
    const second = toldRecording(bob, idOf(ada), true);
    expect(await emitAck(ada.socket, 'recording', { on: true })).toEqual({ ok: true });
    await second;
    expect(await recordingIn(room)).toEqual(['Ada']);
    await nothing(ada.socket, 'peer:updated', 300);
  });

  test('a participant that leaves takes its notice along; one that comes back within the grace period keeps it', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    for (const j of [bob, cy]) {
      const seen = toldRecording(ada, idOf(j), true);
      expect(await emitAck(j.socket, 'recording', { on: true })).toEqual({ ok: true });
      await seen;
    }
    expect(await recordingIn(room)).toEqual(['Bob', 'Cy']);

    // Cy's connection drops and comes back: the same place, still recording, and nobody is told anything.
    const adaSeen = record(ada.socket);
    dropTransport(cy.socket);
    const back = await join(url(5), { room, name: 'Cy', resume: cy.welcome.resume });
    expect(back.welcome.self).toMatchObject({ id: idOf(cy), recording: true });
    expect(await recordingIn(room)).toEqual(['Bob', 'Cy']);

    // Bob leaves: gone for everyone, notice and all; a newcomer does not see it.
    const left = waitFor<{ id: PeerId }>(ada.socket, 'peer:left', 8000, (m) => m.id === idOf(bob));
    expect(await emitAck(bob.socket, 'room:leave')).toEqual({ ok: true });
    await left;
    expect(await recordingIn(room)).toEqual(['Cy']);
    const dee = await join(url(3), { room, name: 'Dee' });
    expect(dee.welcome.peers.map((p) => [p.name, p.recording ?? false])).toEqual([
      ['Ada', false],
      ['Cy', true],
    ]);
    expect(adaSeen.filter((e) => e.event === 'peer:updated')).toEqual([]);
  });

  test('malformed recording events are BAD_REQUEST and change nothing', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const bobSeen = record(bob.socket);
    for (const payload of [
      {},
      { on: 'true' },
      { on: 1 },
      { on: null },
      { on: true, id: idOf(bob) },
      { recording: true },
      true,
      null,
      [true],
    ]) {
      expect([payload, await emitAck(ada.socket, 'recording', payload)]).toEqual([payload, refusedWith('BAD_REQUEST')]);
    }
    expect(await emitAck(ada.socket, 'recording', { on: true }, 'extra')).toEqual(refusedWith('BAD_REQUEST'));
    expect(await recordingIn(room)).toEqual([]);
    // A valid change from the same sender afterwards is the first thing Bob hears about Ada's recording.
    const valid = toldRecording(bob, idOf(ada), false);
    expect(await emitAck(ada.socket, 'recording', { on: false })).toEqual({ ok: true });
    await valid;
    await sync(bob.socket);
    expect(bobSeen.filter((e) => e.event === 'peer:updated').map((e) => e.args[0])).toEqual([{ id: idOf(ada), recording: false }]);
  });
});
