/** The `/room` contract on one replica: host powers, passwords and capacity. */
import type { Welcome } from '../../server/protocol/events';
import { disconnected, emitAck, join, joinInOrder, peek, record, refused, sync, waitFor } from '../helpers/client';
import { CONTRACT_CONFIG, useServer } from '../helpers/server';

const { url, fresh } = useServer(CONTRACT_CONFIG);
/** Joins `names` one after another into `room`. */
const members = (room: string, ...names: string[]) => joinInOrder(url, room, ...names);

describe('host powers', () => {
  test('host:lock: everyone gets room:updated; joins are ROOM_LOCKED until unlocked', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const toAda = waitFor(ada.socket, 'room:updated');
    const toBob = waitFor(bob.socket, 'room:updated');
    expect(await emitAck(ada.socket, 'host:lock', { locked: true })).toEqual({ ok: true });
    expect(await toAda).toEqual({ locked: true });
    expect(await toBob).toEqual({ locked: true });
    const refusal = await refused(url(), { room, name: 'Cy' });
    expect(refusal.message).toBe('ROOM_LOCKED');
    expect(refusal.data).toEqual({ code: 'ROOM_LOCKED', message: expect.any(String) });
    expect(await emitAck(ada.socket, 'host:lock', { locked: false })).toEqual({ ok: true });
    const cy = await join(url(), { room, name: 'Cy' });
    expect(cy.welcome.room.locked).toBe(false);
  });

  test('a locked room shows as locked in the welcome of a resumed participant', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    await emitAck(ada.socket, 'host:lock', { locked: true });
    const again = await join(url(), { room, name: 'Bob', resume: bob.welcome.resume });
    expect(again.welcome.room.locked).toBe(true);
  });

  test('non-hosts get NOT_HOST for host:lock, host:kick and host:mute, and nothing changes', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const adaSeen = record(ada.socket);
    for (const [event, payload] of [
      ['host:lock', { locked: true }],
      ['host:kick', { id: ada.welcome.self.id }],
      ['host:mute', { id: ada.welcome.self.id }],
    ] as const) {
      expect(await emitAck(bob.socket, event, payload)).toMatchObject({
        ok: false,
        error: { code: 'NOT_HOST', message: expect.any(String) },
      });
    }
    await sync(ada.socket);
    expect(adaSeen).toEqual([]);
    expect((await peek(url(), room)).ok).toBe(true);
    expect(await peek(url(), room)).toMatchObject({ room: { count: 2, locked: false } });
  });

  test('host:kick: room:kicked to the target, peer:left kicked to others, BANNED on every way back', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    const kicked = waitFor(bob.socket, 'room:kicked');
    const bobClosed = disconnected(bob.socket);
    const leftAda = waitFor(ada.socket, 'peer:left');
    const leftCy = waitFor(cy.socket, 'peer:left');
    expect(await emitAck(ada.socket, 'host:kick', { id: bob.welcome.self.id })).toEqual({ ok: true });
    expect(await kicked).toEqual({ by: ada.welcome.self.id });
    expect(await bobClosed).toBe('io server disconnect');
    expect(await leftAda).toEqual({ id: bob.welcome.self.id, reason: 'kicked' });
    expect(await leftCy).toEqual({ id: bob.welcome.self.id, reason: 'kicked' });

    expect((await refused(url(), { room, name: 'Bob', resume: bob.welcome.resume })).message).toBe('BANNED');
    expect((await refused(url(), { room, name: 'Bob' })).message).toBe('BANNED');
    expect((await refused(url(), { room, name: ' bob ' })).message).toBe('BANNED');
    const other = await join(url(), { room, name: 'Dee' });
    expect(other.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Cy']);
  });

  test('host:kick over the polling transport: room:kicked arrives before the disconnect', async () => {
    const room = fresh();
    const ada = await join(url(), { room, name: 'Ada' }, { transports: ['polling'] });
    const bob = await join(url(), { room, name: 'Bob' }, { transports: ['polling'] });
    const order: string[] = [];
    bob.socket.on('room:kicked', () => order.push('room:kicked'));
    const closed = disconnected(bob.socket).then(() => order.push('disconnect'));
    expect(await emitAck(ada.socket, 'host:kick', { id: bob.welcome.self.id })).toEqual({ ok: true });
    await closed;
    expect(order).toEqual(['room:kicked', 'disconnect']);
  });

  test('host:mute: the target gets media:mute-request { by }, nobody else gets anything', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    const cySeen = record(cy.socket);
    const adaSeen = record(ada.socket);
    const request = waitFor(bob.socket, 'media:mute-request');
    expect(await emitAck(ada.socket, 'host:mute', { id: bob.welcome.self.id })).toEqual({ ok: true });
    expect(await request).toEqual({ by: ada.welcome.self.id });
    await Promise.all([sync(cy.socket), sync(ada.socket)]);
    expect(cySeen).toEqual([]);
    expect(adaSeen).toEqual([]);
  });

  test('host:kick and host:mute of an unknown PeerId are NOT_IN_ROOM; of oneself BAD_REQUEST', async () => {
    const room = fresh();
    const [ada] = await members(room, 'Ada', 'Bob');
    for (const event of ['host:kick', 'host:mute']) {
      expect(await emitAck(ada.socket, event, { id: 'nobody-here' })).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
      expect(await emitAck(ada.socket, event, { id: ada.welcome.self.id })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(await peek(url(), room)).toMatchObject({ room: { count: 2 } });
  });

  test('when the host leaves, the next in join order becomes host (peer:updated { id, host: true }) and has the powers', async () => {
    const room = fresh();
    const [ada, bob, cy] = await members(room, 'Ada', 'Bob', 'Cy');
    const toBob = waitFor(bob.socket, 'peer:updated');
    const toCy = waitFor(cy.socket, 'peer:updated');
    await emitAck(ada.socket, 'room:leave');
    expect(await toBob).toEqual({ id: bob.welcome.self.id, host: true });
    expect(await toCy).toEqual({ id: bob.welcome.self.id, host: true });
    expect(await emitAck(bob.socket, 'host:lock', { locked: true })).toEqual({ ok: true });
    expect(await emitAck(cy.socket, 'host:lock', { locked: false })).toMatchObject({ ok: false, error: { code: 'NOT_HOST' } });
  });

  test('when the host drops and does not come back, host passes on after the grace period', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const left = waitFor(bob.socket, 'peer:left', 5000);
    const update = waitFor(bob.socket, 'peer:updated', 5000);
    ada.socket.close();
    expect(await left).toEqual({ id: ada.welcome.self.id, reason: 'disconnected' });
    expect(await update).toEqual({ id: bob.welcome.self.id, host: true });
  });
});

describe('passwords and capacity', () => {
  test('the first participant sets the password; wrong or missing is WRONG_PASSWORD; the right one is admitted', async () => {
    const room = fresh();
    await join(url(), { room, name: 'Ada', password: 's3cret' });
    expect((await refused(url(), { room, name: 'Bob' })).message).toBe('WRONG_PASSWORD');
    const wrong = await refused(url(), { room, name: 'Bob', password: 'guess' });
    expect(wrong).toMatchObject({ message: 'WRONG_PASSWORD', data: { code: 'WRONG_PASSWORD' } });
    const bob = await join(url(), { room, name: 'Bob', password: 's3cret' });
    expect(bob.welcome.peers.map((p) => p.name)).toEqual(['Ada']);
    expect(await peek(url(), room)).toMatchObject({ ok: true, room: { password: true, count: 2 } });
  });

  test('a room without a password ignores one offered later', async () => {
    const room = fresh();
    await join(url(), { room, name: 'Ada' });
    await join(url(), { room, name: 'Bob', password: 'anything' });
    expect(await peek(url(), room)).toMatchObject({ ok: true, room: { password: false, count: 2 } });
  });

  test('capacity: one more than roomMaxPeers is ROOM_FULL, and a place frees up on leave', async () => {
    const room = fresh();
    const [, bob] = await members(room, 'Ada', 'Bob', 'Cy');
    const full = await refused(url(), { room, name: 'Dee' });
    expect(full).toMatchObject({ message: 'ROOM_FULL', data: { code: 'ROOM_FULL' } });
    await emitAck(bob.socket, 'room:leave');
    const dee = await join(url(), { room, name: 'Dee' });
    expect(dee.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Cy']);
  });

  test('Welcome type carries only the contract fields', async () => {
    const { welcome } = await join(url(), { room: fresh(), name: 'Ada' });
    expect(Object.keys(welcome).sort()).toEqual(['chat', 'iceServers', 'peers', 'resume', 'room', 'self'] satisfies Array<keyof Welcome>);
    expect(Object.keys(welcome.self).sort()).toEqual(['hand', 'host', 'id', 'media', 'name']);
  });
});
