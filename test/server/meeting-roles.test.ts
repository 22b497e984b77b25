/**
 * Running a meeting: co-hosts, mute all, chat and screen locks, the hand queue and reactions, on one replica with
 * state in memory and across three replicas on a real redis-server (participant i on replica i mod 3).
 */
import type { Peer, PeerId, RoomSettings } from '../../server/protocol/events';
import {
  connect,
  disconnected,
  emitAck,
  join,
  joinInOrder,
  nothing,
  peek,
  record,
  sleep,
  sync,
  waitFor,
  type Joined,
} from '../helpers/client';
import { REPLICA_SETUPS, useReplicaSet } from '../helpers/replica-set';

jest.setTimeout(20_000);

let n = 0;
const fresh = () => `roles-${++n}-${Date.now().toString(36)}`;
const idOf = (j: Joined): PeerId => j.welcome.self.id;
const refusedWith = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });

/** Waits until `socket` has been told `event` with a payload that passes `filter`. */
const told = <T>(j: Joined, event: string, filter: (v: T) => boolean = () => true) => waitFor<T>(j.socket, event, 5000, filter);

/** The reaction budget the replicas get: 1 a second, bursts of REACTION_BURST. */
const REACTION_BURST = 6;

describe.each(REPLICA_SETUPS)('%s', (_label, replicas) => {
  const members = (room: string, ...names: string[]) => joinInOrder(url, room, ...names);

  const { url } = useReplicaSet(replicas, {
    joinRatePerAddr: 1000,
    joinBurstPerAddr: 1000,
    resumeGraceMs: 1500,
    reactionRate: 1,
    reactionBurst: REACTION_BURST,
  });

  test('the host makes a co-host: everyone is told, a newcomer sees it, and the co-host runs the meeting', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    const atCy = told(cy, 'peer:updated');
    const atBob = told(bob, 'peer:updated');
    expect(await emitAck(ada.socket, 'host:cohost', { id: idOf(bob), cohost: true })).toEqual({ ok: true });
    expect(await atCy).toEqual({ id: idOf(bob), cohost: true });
    expect(await atBob).toEqual({ id: idOf(bob), cohost: true });
    const dee = await join(url(3), { room, name: 'Dee' });
    expect(dee.welcome.peers.map((p) => [p.name, p.host, p.cohost ?? false])).toEqual([
      ['Ada', true, false],
      ['Bob', false, true],
      ['Cy', false, false],
    ]);
    // A participant nobody promoted carries exactly the contract's fields.
    expect(Object.keys(dee.welcome.self).sort()).toEqual(['hand', 'host', 'id', 'media', 'name']);

    // The co-host locks, mutes and removes a participant.
    const locked = told<RoomSettings>(ada, 'room:updated');
    expect(await emitAck(bob.socket, 'host:lock', { locked: true })).toEqual({ ok: true });
    expect(await locked).toEqual({ locked: true });
    const mute = told(cy, 'media:mute-request');
    expect(await emitAck(bob.socket, 'host:mute', { id: idOf(cy) })).toEqual({ ok: true });
    expect(await mute).toEqual({ by: idOf(bob) });
    const gone = disconnected(dee.socket);
    const left = told(ada, 'peer:left', (m: { id: string }) => m.id === idOf(dee));
    expect(await emitAck(bob.socket, 'host:kick', { id: idOf(dee) })).toEqual({ ok: true });
    expect(await left).toEqual({ id: idOf(dee), reason: 'kicked' });
    await gone;
  });

  test('a co-host has no power over the host nor over who is co-host; a participant has none at all', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    // Listening before asking: across replicas the update may reach Cy before the ack reaches Ada.
    const promoted = told(cy, 'peer:updated');
    expect(await emitAck(ada.socket, 'host:cohost', { id: idOf(bob), cohost: true })).toEqual({ ok: true });
    await promoted;
    const adaSeen = record(ada.socket);
    for (const [event, payload] of [
      ['host:kick', { id: idOf(ada) }],
      ['host:mute', { id: idOf(ada) }],
      ['host:lower-hand', { id: idOf(ada) }],
      ['host:cohost', { id: idOf(cy), cohost: true }],
      ['host:cohost', { id: idOf(ada), cohost: true }],
    ] as const) {
      expect([event, await emitAck(bob.socket, event, payload)]).toEqual([event, refusedWith('NOT_HOST')]);
    }
    for (const [event, payload] of [
      ['host:cohost', { id: idOf(cy), cohost: true }],
      ['host:settings', { chatLocked: true }],
      ['host:lower-hand', { id: idOf(bob) }],
      ['host:kick', { id: idOf(bob) }],
      ['host:mute', { id: idOf(bob) }],
    ] as const) {
      expect([event, await emitAck(cy.socket, event, payload)]).toEqual([event, refusedWith('NOT_HOST')]);
    }
    expect(await emitAck(cy.socket, 'host:mute-all')).toEqual(refusedWith('NOT_HOST'));
    await sync(ada.socket);
    expect(adaSeen).toEqual([]);
    // Nothing changed: Cy is no co-host, Ada still host, nobody removed, chat open.
    const dee = await join(url(1), { room, name: 'Dee' });
    expect(dee.welcome.peers.map((p) => [p.name, p.host, p.cohost ?? false])).toEqual([
      ['Ada', true, false],
      ['Bob', false, true],
      ['Cy', false, false],
    ]);
    expect(dee.welcome.room).toEqual({ id: room, locked: false, maxPeers: expect.any(Number) });
    // The host can take the role back.
    const back = told(cy, 'peer:updated', (m: Partial<Peer>) => m.cohost === false);
    expect(await emitAck(ada.socket, 'host:cohost', { id: idOf(bob), cohost: false })).toEqual({ ok: true });
    expect(await back).toEqual({ id: idOf(bob), cohost: false });
    expect(await emitAck(bob.socket, 'host:lock', { locked: true })).toEqual(refusedWith('NOT_HOST'));
  });

  test('when the host leaves, the co-host present longest becomes host, ahead of participants who came earlier', async () => {
    const room = fresh();
    const [ada, bob, cy, dee] = await members(room, 'Ada', 'Bob', 'Cy', 'Dee');
    const named = told(bob, 'peer:updated', (m: Partial<Peer>) => m.id === idOf(cy));
    await emitAck(ada.socket, 'host:cohost', { id: idOf(dee), cohost: true });
    await emitAck(ada.socket, 'host:cohost', { id: idOf(cy), cohost: true });
    await named;
    const promoted = told(bob, 'peer:updated', (m: Partial<Peer>) => m.host === true);
    const token = told<{ resume: string }>(cy, 'room:resume');
    expect(await emitAck(ada.socket, 'room:leave')).toEqual({ ok: true });
    expect(await promoted).toEqual({ id: idOf(cy), host: true });
    await token;
    // Cy is host now (and no longer co-host); Dee stays co-host.
    const eve = await join(url(4), { room, name: 'Eve' });
    expect(eve.welcome.peers.map((p) => [p.name, p.host, p.cohost ?? false])).toEqual([
      ['Bob', false, false],
      ['Cy', true, false],
      ['Dee', false, true],
    ]);
    expect(await emitAck(cy.socket, 'host:cohost', { id: idOf(bob), cohost: true })).toEqual({ ok: true });
  });

  test('mute all asks every participant but the hosts and co-hosts', async () => {
    const room = fresh();
    const [ada, bob, cy, dee] = await members(room, 'Ada', 'Bob', 'Cy', 'Dee');
    const promoted = told(cy, 'peer:updated');
    await emitAck(ada.socket, 'host:cohost', { id: idOf(bob), cohost: true });
    await promoted;
    const asked = [told(cy, 'media:mute-request'), told(dee, 'media:mute-request')];
    expect(await emitAck(bob.socket, 'host:mute-all')).toEqual({ ok: true });
    expect(await Promise.all(asked)).toEqual([{ by: idOf(bob) }, { by: idOf(bob) }]);
    await Promise.all([nothing(ada.socket, 'media:mute-request', 300), nothing(bob.socket, 'media:mute-request', 300)]);
  });

  test('chat lock: only hosts and co-hosts may send, a refused message is neither stored nor delivered', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    await emitAck(ada.socket, 'host:cohost', { id: idOf(bob), cohost: true });
    const update = told<RoomSettings>(cy, 'room:updated');
    expect(await emitAck(ada.socket, 'host:settings', { chatLocked: true })).toEqual({
      ok: true,
      settings: { locked: false, chatLocked: true, screenLocked: false, askToJoin: false },
    });
    expect(await update).toEqual({ locked: false, chatLocked: true });
    const adaSeen = record(ada.socket);
    expect(await emitAck(cy.socket, 'chat:send', { text: 'may I?' })).toEqual(refusedWith('NOT_HOST'));
    await sync(ada.socket);
    expect(adaSeen).toEqual([]);
    const fromBob = await emitAck(bob.socket, 'chat:send', { text: 'co-host speaking' });
    expect(fromBob.ok).toBe(true);
    const dee = await join(url(3), { room, name: 'Dee' });
    expect(dee.welcome.room).toMatchObject({ locked: false, chatLocked: true });
    expect(dee.welcome.chat.map((m) => m.text)).toEqual(['co-host speaking']);
    const open = told<RoomSettings>(cy, 'room:updated');
    await emitAck(bob.socket, 'host:settings', { chatLocked: false });
    expect(await open).toEqual({ locked: false, chatLocked: false });
    expect((await emitAck(cy.socket, 'chat:send', { text: 'thanks' })).ok).toBe(true);
  });

  test('screen lock: a participant cannot start sharing, may stop, and a host may share', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const sharing = { audio: true, video: true, screen: true };
    expect(await emitAck(bob.socket, 'media', sharing)).toEqual({ ok: true });
    await emitAck(ada.socket, 'host:settings', { screenLocked: true });
    // Already sharing: may keep the screen on while changing the rest, and may stop.
    expect(await emitAck(bob.socket, 'media', { ...sharing, audio: false })).toEqual({ ok: true });
    const stopped = told(ada, 'peer:updated', (m: Partial<Peer>) => m.media?.screen === false);
    expect(await emitAck(bob.socket, 'media', { ...sharing, screen: false })).toEqual({ ok: true });
    await stopped;
    const adaSeen = record(ada.socket);
    expect(await emitAck(bob.socket, 'media', sharing)).toEqual(refusedWith('NOT_HOST'));
    await sync(ada.socket);
    expect(adaSeen).toEqual([]);
    const cy = await join(url(2), { room, name: 'Cy' });
    expect(cy.welcome.peers.find((p) => p.name === 'Bob')?.media.screen).toBe(false);
    expect(cy.welcome.room).toMatchObject({ screenLocked: true });
    expect(await emitAck(ada.socket, 'media', sharing)).toEqual({ ok: true });
  });

  test('hands queue in the order they went up; hosts lower one; a newcomer is told the queue', async () => {
    const room = fresh();
    const [ada, bob, cy, dee] = await members(room, 'Ada', 'Bob', 'Cy', 'Dee');
    const queueAt = (j: Joined, length: number) => told<{ queue: PeerId[] }>(j, 'room:hands', (m) => m.queue.length === length);
    for (const [j, length] of [
      [dee, 1],
      [bob, 2],
      [cy, 3],
    ] as const) {
      const q = queueAt(ada, length);
      expect(await emitAck(j.socket, 'hand', { raised: true })).toEqual({ ok: true });
      await q;
    }
    // Raising again keeps the place.
    const same = queueAt(ada, 3);
    expect(await emitAck(bob.socket, 'hand', { raised: true })).toEqual({ ok: true });
    expect((await same).queue).toEqual([idOf(dee), idOf(bob), idOf(cy)]);
    // The newcomer's queue comes right behind its welcome.
    const eve = connect(url(4), '/room', { auth: { room, name: 'Eve' } });
    const eveSeen = record(eve);
    await waitFor(eve, 'room:hands');
    expect(eveSeen.map((e) => e.event).slice(0, 2)).toEqual(['room:welcome', 'room:hands']);
    expect(eveSeen[1].args).toEqual([{ queue: [idOf(dee), idOf(bob), idOf(cy)] }]);

    const lowered = told(bob, 'peer:updated', (m: Partial<Peer>) => m.id === idOf(bob));
    const queue = queueAt(bob, 2);
    expect(await emitAck(ada.socket, 'host:lower-hand', { id: idOf(bob) })).toEqual({ ok: true });
    expect(await lowered).toEqual({ id: idOf(bob), hand: false });
    expect((await queue).queue).toEqual([idOf(dee), idOf(cy)]);
    // Bob raises again: at the end now.
    const last = queueAt(ada, 3);
    await emitAck(bob.socket, 'hand', { raised: true });
    expect((await last).queue).toEqual([idOf(dee), idOf(cy), idOf(bob)]);
  });

  test('reactions go to the others, from a fixed set, and are rate-limited', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const adaSeen = record(ada.socket);
    const bobSeen = record(bob.socket);
    for (const bad of [{ emoji: '💩' }, { emoji: '' }, { emoji: 1 }, {}, { emoji: '👏', id: idOf(ada) }, '👏']) {
      expect(await emitAck(bob.socket, 'reaction', bad)).toEqual(refusedWith('BAD_REQUEST'));
    }
    const seen = told(bob, 'peer:reaction');
    expect(await emitAck(ada.socket, 'reaction', { emoji: '👏' })).toEqual({ ok: true });
    expect(await seen).toEqual({ id: idOf(ada), emoji: '👏' });
    const answers = [];
    for (let i = 0; i < REACTION_BURST + 4; i++) answers.push(await emitAck(ada.socket, 'reaction', { emoji: '🎉' }));
    const limited = answers.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThan(0);
    // Bob got each reaction that was accepted, and no other; Ada none of her own.
    const accepted = 1 + answers.filter((a) => a.ok).length;
    const reactions = () => bobSeen.filter((e) => e.event === 'peer:reaction');
    const deadline = Date.now() + 3000;
    while (reactions().length < accepted && Date.now() < deadline) await sleep(20);
    await sync(bob.socket);
    expect(reactions()).toHaveLength(accepted);
    expect(accepted + limited).toBe(REACTION_BURST + 5);
    await sync(ada.socket);
    expect(adaSeen).toEqual([]);
  });

  test('malformed host events are BAD_REQUEST and change nothing', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const bobSeen = record(bob.socket);
    for (const [event, payload] of [
      ['host:cohost', { id: idOf(bob) }],
      ['host:cohost', { id: idOf(bob), cohost: 'yes' }],
      ['host:cohost', { id: 7, cohost: true }],
      ['host:cohost', { id: idOf(bob), cohost: true, host: true }],
      ['host:settings', {}],
      ['host:settings', { locked: 'true' }],
      ['host:settings', { chatLocked: true, password: 'x' }],
      ['host:settings', [true]],
      ['host:lower-hand', { id: '' }],
      ['host:lower-hand', null],
    ] as const) {
      expect([event, await emitAck(ada.socket, event, payload)]).toEqual([event, refusedWith('BAD_REQUEST')]);
    }
    expect(await emitAck(ada.socket, 'host:cohost', { id: idOf(ada), cohost: true })).toEqual(refusedWith('BAD_REQUEST'));
    expect(await emitAck(ada.socket, 'host:cohost', { id: 'nobody', cohost: true })).toEqual(refusedWith('NOT_IN_ROOM'));
    await sync(bob.socket);
    expect(bobSeen).toEqual([]);
    expect(await peek(url(0), room)).toMatchObject({ ok: true, room: { count: 2, locked: false } });
  });
});
