/** The `/room` and `/lobby` contract on one replica: lobby, welcome, media, hand, chat, leave. */
import { createHmac } from 'node:crypto';
import type { ChatMessage, LobbyRoom, Peer } from '../../server/protocol/events';
import { closeAll, connect, disconnected, emitAck, join, joinInOrder, peek, record, sleep, sync, waitFor } from '../helpers/client';
import { CONTRACT_CONFIG, CONTRACT_TURN_SECRET, startServer, useServer } from '../helpers/server';

const { url, fresh, server } = useServer(CONTRACT_CONFIG);
/** Joins `names` one after another into `room`. */
const members = (room: string, ...names: string[]) => joinInOrder(url, room, ...names);

describe('lobby', () => {
  test('lobby:peek at an empty room is ok with count 0', async () => {
    const room = fresh();
    const reply = await peek(url(), room);
    expect(reply).toEqual({ ok: true, room: { id: room, count: 0, names: [], locked: false, password: false } });
  });

  test('lobby:peek shows names in join order, the lock and the password flag; ids are case-folded', async () => {
    const room = fresh();
    await join(url(), { room, name: 'Ada', password: 'pw-1' });
    await join(url(), { room, name: 'Bob', password: 'pw-1' });
    const reply = await peek(url(), room.toUpperCase());
    expect(reply).toEqual({ ok: true, room: { id: room, count: 2, names: ['Ada', 'Bob'], locked: false, password: true } });
  });

  test('lobby:peek of a room id outside the pattern is BAD_REQUEST', async () => {
    const reply = await peek(url(), 'no spaces here');
    expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  test('lobby:watch answers like peek, then sends lobby:room on join, lock and leave', async () => {
    const room = fresh();
    const watcher = connect(url(), '/lobby');
    const first = await emitAck<{ room: LobbyRoom }>(watcher, 'lobby:watch', { room });
    expect(first).toEqual({ ok: true, room: { id: room, count: 0, names: [], locked: false, password: false } });

    let update = waitFor<LobbyRoom>(watcher, 'lobby:room');
    const [ada] = await members(room, 'Ada');
    expect(await update).toEqual({ id: room, count: 1, names: ['Ada'], locked: false, password: false });

    update = waitFor<LobbyRoom>(watcher, 'lobby:room', 5000, (r) => r.count === 2);
    const [bob] = await members(room, 'Bob');
    expect(await update).toEqual({ id: room, count: 2, names: ['Ada', 'Bob'], locked: false, password: false });

    update = waitFor<LobbyRoom>(watcher, 'lobby:room', 5000, (r) => r.locked);
    expect(await emitAck(ada.socket, 'host:lock', { locked: true })).toEqual({ ok: true });
    expect(await update).toEqual({ id: room, count: 2, names: ['Ada', 'Bob'], locked: true, password: false });

    update = waitFor<LobbyRoom>(watcher, 'lobby:room', 5000, (r) => r.count === 1);
    await emitAck(bob.socket, 'room:leave');
    expect(await update).toEqual({ id: room, count: 1, names: ['Ada'], locked: true, password: false });
  });

  test('a watcher of another room gets no lobby:room', async () => {
    const watcher = connect(url(), '/lobby');
    await emitAck(watcher, 'lobby:watch', { room: fresh() });
    const seen = record(watcher);
    await members(fresh(), 'Ada');
    await sleep(100);
    await sync(watcher);
    expect(seen.filter((e) => e.event === 'lobby:room')).toEqual([]);
  });
});

describe('room:welcome', () => {
  test('the first participant is host, alone, with the room settings and no chat', async () => {
    const room = fresh();
    const { socket, welcome } = await join(url(), { room: room.toUpperCase(), name: '  Ada Lovelace  ' });
    expect(welcome.self).toEqual({
      id: expect.any(String),
      name: 'Ada Lovelace',
      host: true,
      media: { audio: true, video: true, screen: false },
      hand: false,
    });
    expect(welcome.self.id).not.toBe(socket.id);
    expect(typeof welcome.resume).toBe('string');
    expect(welcome.resume.length).toBeGreaterThan(10);
    expect(welcome.peers).toEqual([]);
    expect(welcome.chat).toEqual([]);
    expect(welcome.room).toEqual({ id: room, locked: false, maxPeers: 3 });
  });

  test('peers are everyone else in join order; others get peer:joined with the Peer', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    expect(bob.welcome.self.host).toBe(false);
    expect(bob.welcome.peers).toEqual([ada.welcome.self]);
    const joinedAda = waitFor<Peer>(ada.socket, 'peer:joined');
    const joinedBob = waitFor<Peer>(bob.socket, 'peer:joined');
    const cy = await join(url(), { room, name: 'Cy' });
    expect(cy.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Bob']);
    expect(cy.welcome.peers.map((p) => p.id)).toEqual([ada.welcome.self.id, bob.welcome.self.id]);
    expect(await joinedAda).toEqual(cy.welcome.self);
    expect(await joinedBob).toEqual(cy.welcome.self);
    const ids = new Set([ada, bob, cy].map((j) => j.welcome.self.id));
    expect(ids.size).toBe(3);
  });

  test('iceServers carry the STUN urls and TURN REST credentials for this PeerId', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { welcome } = await join(url(), { room: fresh(), name: 'Ada' });
    const after = Math.floor(Date.now() / 1000);
    expect(welcome.iceServers[0]).toEqual({ urls: ['stun:127.0.0.1:3478'] });
    const turn = welcome.iceServers[1];
    expect(turn.urls).toEqual(['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
    const [expiry, user] = (turn.username ?? '').split(':');
    expect(user).toBe(welcome.self.id);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(after + 600);
    expect(turn.credential).toBe(
      createHmac('sha1', CONTRACT_TURN_SECRET)
        .update(turn.username ?? '')
        .digest('base64'),
    );
  });

  test('without TURN settings only STUN is offered', async () => {
    const plain = await startServer({ stunUrls: ['stun:127.0.0.1:3478'] });
    try {
      const { welcome } = await join(plain.url, { room: fresh(), name: 'Ada' });
      expect(welcome.iceServers).toEqual([{ urls: ['stun:127.0.0.1:3478'] }]);
    } finally {
      closeAll();
      await plain.close();
    }
  });
});

describe('media and hand', () => {
  test('media: others get peer:updated { id, media }, the sender nothing; later joiners see it', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const adaSeen = record(ada.socket);
    const update = waitFor(bob.socket, 'peer:updated');
    const media = { audio: false, video: true, screen: true };
    expect(await emitAck(ada.socket, 'media', media)).toEqual({ ok: true });
    expect(await update).toEqual({ id: ada.welcome.self.id, media });
    await sync(ada.socket);
    expect(adaSeen).toEqual([]);
    const cy = await join(url(), { room, name: 'Cy' });
    expect(cy.welcome.peers[0]).toMatchObject({ id: ada.welcome.self.id, media });
  });

  test('hand: others get peer:updated { id, hand }, the sender nothing', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const adaSeen = record(ada.socket);
    let update = waitFor(bob.socket, 'peer:updated');
    ada.socket.emit('hand', { raised: true });
    expect(await update).toEqual({ id: ada.welcome.self.id, hand: true });
    expect((await join(url(), { room, name: 'Cy' })).welcome.peers[0].hand).toBe(true);
    update = waitFor(bob.socket, 'peer:updated');
    expect(await emitAck(ada.socket, 'hand', { raised: false })).toEqual({ ok: true });
    expect(await update).toEqual({ id: ada.welcome.self.id, hand: false });
    await sync(ada.socket);
    expect(adaSeen.filter((e) => e.event !== 'peer:joined')).toEqual([]);
  });
});

describe('chat', () => {
  test('chat:send is acknowledged with the stored message; others get chat:message; the sender does not', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const adaSeen = record(ada.socket);
    const incoming = waitFor<ChatMessage>(bob.socket, 'chat:message');
    const text = '<b>hi</b> &amp; "quotes" \u{1F600}';
    const t0 = Date.now();
    const reply = await emitAck<{ message: ChatMessage }>(ada.socket, 'chat:send', { text });
    if (!reply.ok) throw new Error('chat:send refused');
    expect(reply.message).toEqual({ id: expect.any(String), from: ada.welcome.self.id, name: 'Ada', text, ts: expect.any(Number) });
    expect(reply.message.ts).toBeGreaterThanOrEqual(t0 - 1000);
    expect(reply.message.ts).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await incoming).toEqual(reply.message);
    await sync(ada.socket);
    expect(adaSeen).toEqual([]);
  });

  test('a message is stored before its ack, and later joiners get it in history', async () => {
    const room = fresh();
    const [ada] = await members(room, 'Ada');
    const storedAtAck = await new Promise<ChatMessage[]>((resolve) => {
      ada.socket.emit('chat:send', { text: 'first' }, () => {
        void server().parley.store.chat(room).then(resolve);
      });
    });
    expect(storedAtAck.map((m) => m.text)).toEqual(['first']);
    const bob = await join(url(), { room, name: 'Bob' });
    expect(bob.welcome.chat).toEqual([expect.objectContaining({ from: ada.welcome.self.id, name: 'Ada', text: 'first' })]);
  });

  test('history is bounded by chatHistory, oldest first', async () => {
    const room = fresh();
    const [ada] = await members(room, 'Ada');
    for (let i = 1; i <= 8; i++) expect(await emitAck(ada.socket, 'chat:send', { text: `m${i}` })).toMatchObject({ ok: true });
    const bob = await join(url(), { room, name: 'Bob' });
    expect(bob.welcome.chat.map((m) => m.text)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8']);
  });

  test('text over 2,000 characters is refused and not stored; exactly 2,000 is fine', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const bobSeen = record(bob.socket);
    const long = await emitAck(ada.socket, 'chat:send', { text: 'x'.repeat(2001) });
    expect(long).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(BAD_REQUEST|PAYLOAD_TOO_LARGE)$/) } });
    await sync(bob.socket);
    expect(bobSeen).toEqual([]);
    expect(await server().parley.store.chat(room)).toEqual([]);
    expect(await emitAck(ada.socket, 'chat:send', { text: 'y'.repeat(2000) })).toMatchObject({ ok: true });
  });

  test('bidi overrides and isolates in a name and in chat text reach nobody: not the sender, the others, history or the lobby', async () => {
    const room = fresh();
    const [ada] = await members(room, 'Ada');
    const joined = waitFor<Peer>(ada.socket, 'peer:joined');
    const eve = await join(url(), { room, name: '\u202eEve\u202c \u2067txt.exe\u2069' });
    expect(eve.welcome.self.name).toBe('Eve txt.exe');
    expect((await joined).name).toBe('Eve txt.exe');
    const incoming = waitFor<ChatMessage>(ada.socket, 'chat:message');
    const reply = await emitAck<{ message: ChatMessage }>(eve.socket, 'chat:send', { text: 'open \u202eexe.txt\u202c\u2066 now' });
    expect(reply.ok && [reply.message.name, reply.message.text]).toEqual(['Eve txt.exe', 'open exe.txt now']);
    expect(await incoming).toMatchObject({ name: 'Eve txt.exe', text: 'open exe.txt now' });
    expect((await join(url(), { room, name: 'Cy' })).welcome.chat.map((m) => m.text)).toEqual(['open exe.txt now']);
    expect(await peek(url(), room)).toMatchObject({ ok: true, room: { names: ['Ada', 'Eve txt.exe', 'Cy'] } });
    // Nothing but bidi controls is no message, and no name.
    expect(await emitAck(eve.socket, 'chat:send', { text: '\u202e\u2069' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    await expect(join(url(), { room, name: ' \u202e \u2066' })).rejects.toThrow('BAD_REQUEST');
  });
});

describe('room:leave', () => {
  test('others get peer:left { reason: "left" } at once and the socket is closed', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const left = waitFor(ada.socket, 'peer:left', 1000);
    const closed = disconnected(bob.socket);
    expect(await emitAck(bob.socket, 'room:leave')).toEqual({ ok: true });
    // Well inside the 1.5 s grace period: a leave does not wait for it.
    expect(await left).toEqual({ id: bob.welcome.self.id, reason: 'left' });
    expect(await closed).toBe('io server disconnect');
    expect((await peek(url(), room)).ok && (await server().parley.store.snapshot(room))?.members.map((m) => m.name)).toEqual(['Ada']);
  });

  test('room:leave without an ack works too', async () => {
    const room = fresh();
    const [ada, bob] = await members(room, 'Ada', 'Bob');
    const left = waitFor(ada.socket, 'peer:left', 1000);
    bob.socket.emit('room:leave');
    expect(await left).toEqual({ id: bob.welcome.self.id, reason: 'left' });
  });
});
