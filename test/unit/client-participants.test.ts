import type { Peer } from '../../server/protocol/events';
import {
  emptyParticipants,
  othersOf,
  raisedHands,
  reconcile,
  reduceParticipants,
  runsMeeting,
  selfOf,
  type ParticipantEvent,
  type Participants,
} from '../../client/shared/participants';

const media = { audio: true, video: true, screen: false };
const peer = (id: string, name: string, extra: Partial<Peer> = {}): Peer => ({ id, name, host: false, media, hand: false, ...extra });
const room = { id: 'r', locked: false, maxPeers: 8 };

describe('reduceParticipants', () => {
  const welcomed = reduceParticipants(emptyParticipants, {
    type: 'welcome',
    welcome: { self: peer('me', 'Me'), peers: [peer('a', 'Ann', { host: true }), peer('b', 'Bob')], room },
  });

  test('welcome puts self first, the others in join order', () => {
    expect(welcomed.selfId).toBe('me');
    expect(welcomed.list.map((p) => p.id)).toEqual(['me', 'a', 'b']);
    expect(selfOf(welcomed)?.name).toBe('Me');
    expect(othersOf(welcomed).map((p) => p.name)).toEqual(['Ann', 'Bob']);
  });

  test('joined appends once; left removes; self never leaves by a peer event', () => {
    let s = reduceParticipants(welcomed, { type: 'joined', peer: peer('c', 'Cy') });
    s = reduceParticipants(s, { type: 'joined', peer: peer('c', 'Cy again') });
    expect(s.list.map((p) => `${p.id}:${p.name}`)).toEqual(['me:Me', 'a:Ann', 'b:Bob', 'c:Cy again']);
    s = reduceParticipants(s, { type: 'left', id: 'a', reason: 'left' });
    s = reduceParticipants(s, { type: 'left', id: 'me', reason: 'kicked' });
    expect(s.list.map((p) => p.id)).toEqual(['me', 'b', 'c']);
  });

  test('updates merge media, hand and host without touching the rest', () => {
    let s = reduceParticipants(welcomed, { type: 'updated', id: 'b', patch: { media: { audio: false, video: true, screen: true } } });
    s = reduceParticipants(s, { type: 'updated', id: 'b', patch: { hand: true } });
    s = reduceParticipants(s, { type: 'updated', id: 'me', patch: { host: true } });
    expect(s.list.find((p) => p.id === 'b')).toEqual(peer('b', 'Bob', { media: { audio: false, video: true, screen: true }, hand: true }));
    expect(selfOf(s)?.host).toBe(true);
    expect(welcomed.list.find((p) => p.id === 'b')?.media.audio).toBe(true);
  });

  test('self media, hand and the lock', () => {
    let s = reduceParticipants(welcomed, { type: 'self-media', media: { audio: false, video: false, screen: false } });
    s = reduceParticipants(s, { type: 'self-hand', raised: true });
    s = reduceParticipants(s, { type: 'settings', settings: { locked: true } });
    expect(selfOf(s)).toMatchObject({ media: { audio: false, video: false, screen: false }, hand: true });
    expect(s.locked).toBe(true);
  });
});

const run = (state: Participants, ...events: ParticipantEvent[]) => events.reduce(reduceParticipants, state);
const ids = (peers: Peer[]) => peers.map((p) => p.id);

describe('co-hosts', () => {
  const welcomed = run(emptyParticipants, {
    type: 'welcome',
    welcome: {
      self: peer('me', 'Me'),
      peers: [peer('a', 'Ann', { host: true }), peer('b', 'Bob', { cohost: true }), peer('c', 'Cy')],
      room,
    },
  });

  test('the welcome carries who is co-host; only the host and co-hosts run the meeting', () => {
    expect(welcomed.list.map((p) => [p.id, runsMeeting(p)])).toEqual([
      ['me', false],
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
    expect(runsMeeting(undefined)).toBe(false);
  });

  test('peer:updated { cohost } makes and unmakes a co-host, also oneself; a co-host carries cohost: true, others no field', () => {
    let s = run(welcomed, { type: 'updated', id: 'me', patch: { cohost: true } }, { type: 'updated', id: 'b', patch: { cohost: false } });
    expect(selfOf(s)).toEqual(peer('me', 'Me', { cohost: true }));
    expect(s.list.find((p) => p.id === 'b')).toEqual(peer('b', 'Bob'));
    expect(Object.keys(s.list.find((p) => p.id === 'b') as Peer)).not.toContain('cohost');
    // Other updates leave the role alone.
    s = run(s, { type: 'updated', id: 'me', patch: { hand: true } }, { type: 'self-media', media });
    expect(selfOf(s)?.cohost).toBe(true);
    expect(runsMeeting(selfOf(s))).toBe(true);
  });

  test('a co-host who becomes host stops being co-host', () => {
    const s = run(welcomed, { type: 'left', id: 'a', reason: 'left' }, { type: 'updated', id: 'b', patch: { host: true } });
    expect(s.list.find((p) => p.id === 'b')).toEqual(peer('b', 'Bob', { host: true }));
  });
});

describe('room settings', () => {
  const welcome = (extra: object) =>
    reduceParticipants(emptyParticipants, { type: 'welcome', welcome: { self: peer('me', 'Me'), peers: [], room: { ...room, ...extra } } });

  test('the welcome has them only when on', () => {
    expect(welcome({})).toMatchObject({ locked: false, chatLocked: false, screenLocked: false });
    expect(welcome({ locked: true, chatLocked: true, screenLocked: true })).toMatchObject({
      locked: true,
      chatLocked: true,
      screenLocked: true,
    });
  });

  test('room:updated changes the fields it carries and leaves the others as they are', () => {
    let s = run(welcome({}), { type: 'settings', settings: { locked: false, chatLocked: true } });
    expect(s).toMatchObject({ locked: false, chatLocked: true, screenLocked: false });
    s = run(s, { type: 'settings', settings: { locked: true, screenLocked: true } });
    expect(s).toMatchObject({ locked: true, chatLocked: true, screenLocked: true });
    s = run(s, { type: 'settings', settings: { locked: true, chatLocked: false } });
    expect(s).toMatchObject({ locked: true, chatLocked: false, screenLocked: true });
    s = run(s, { type: 'settings', settings: { locked: false } });
    expect(s).toMatchObject({ locked: false, chatLocked: false, screenLocked: true });
  });
});

describe('the hand queue', () => {
  const welcomed = run(emptyParticipants, {
    type: 'welcome',
    welcome: { self: peer('me', 'Me'), peers: [peer('a', 'Ann', { host: true }), peer('b', 'Bob'), peer('c', 'Cy')], room },
  });
  const raise = (id: string, hand = true): ParticipantEvent => ({ type: 'updated', id, patch: { hand } });

  test('room:hands sets the order; raisedHands follows it', () => {
    const s = run(welcomed, raise('b'), raise('c'), { type: 'hands', queue: ['c', 'b'] });
    expect(s.hands).toEqual(['c', 'b']);
    expect(ids(raisedHands(s))).toEqual(['c', 'b']);
  });

  test('a hand that went up before its room:hands is listed after the queue, and a lowered one leaves it', () => {
    let s = run(welcomed, raise('c'), { type: 'hands', queue: ['c'] }, raise('a'));
    expect(ids(raisedHands(s))).toEqual(['c', 'a']);
    s = run(s, raise('c', false));
    expect(s.hands).toEqual(['a']);
    expect(ids(raisedHands(s))).toEqual(['a']);
  });

  test('raising one’s own hand goes to the end of the queue, lowering it leaves the queue', () => {
    let s = run(welcomed, raise('b'), { type: 'hands', queue: ['b'] }, { type: 'self-hand', raised: true });
    expect(s.hands).toEqual(['b', 'me']);
    expect(ids(raisedHands(s))).toEqual(['b', 'me']);
    s = run(s, raise('c'), { type: 'hands', queue: ['b', 'me', 'c'] }, { type: 'self-hand', raised: false });
    expect(s.hands).toEqual(['b', 'c']);
    expect(selfOf(s)?.hand).toBe(false);
  });

  test('a queue that crossed our own change keeps our hand where we put it', () => {
    // Sent before the server saw our hand go up: we stay at the end.
    let s = run(welcomed, { type: 'self-hand', raised: true }, raise('b'), { type: 'hands', queue: ['b'] });
    expect(s.hands).toEqual(['b', 'me']);
    // Sent before the server saw our hand go down: we are not in it.
    s = run(s, { type: 'self-hand', raised: false }, raise('c'), { type: 'hands', queue: ['b', 'me', 'c'] });
    expect(s.hands).toEqual(['b', 'c']);
    // The server's place for our hand wins when we agree that it is up.
    s = run(s, { type: 'self-hand', raised: true }, { type: 'hands', queue: ['me', 'b', 'c'] });
    expect(s.hands).toEqual(['me', 'b', 'c']);
  });

  test('a host lowering our hand takes us out of the queue', () => {
    const s = run(welcomed, { type: 'self-hand', raised: true }, raise('me', false), { type: 'hands', queue: [] });
    expect(selfOf(s)?.hand).toBe(false);
    expect(s.hands).toEqual([]);
    expect(raisedHands(s)).toEqual([]);
  });

  test('someone who leaves leaves the queue; someone joining with a hand up joins it', () => {
    let s = run(welcomed, raise('a'), raise('b'), { type: 'hands', queue: ['a', 'b'] }, { type: 'left', id: 'a', reason: 'left' });
    expect(s.hands).toEqual(['b']);
    s = run(s, { type: 'joined', peer: peer('d', 'Dee', { hand: true }) });
    expect(s.hands).toEqual(['b', 'd']);
    expect(ids(raisedHands(s))).toEqual(['b', 'd']);
  });

  test('a welcome starts the queue from the hands it shows up, in join order, until room:hands says the order', () => {
    let s = reduceParticipants(emptyParticipants, {
      type: 'welcome',
      welcome: {
        self: peer('me', 'Me'),
        peers: [peer('a', 'Ann', { hand: true }), peer('b', 'Bob'), peer('c', 'Cy', { hand: true })],
        room,
      },
    });
    expect(s.hands).toEqual(['a', 'c']);
    s = run(s, { type: 'hands', queue: ['c', 'a'] });
    expect(ids(raisedHands(s))).toEqual(['c', 'a']);
  });
});

describe('reconcile', () => {
  const w = (self: string, ...others: string[]) => ({ self: peer(self, self), peers: others.map((id) => peer(id, id)) });

  test('a first welcome offers to everyone already there', () => {
    expect(reconcile(null, [], w('me', 'a', 'b'))).toEqual({ close: [], offer: ['a', 'b'], keep: [] });
  });

  test('a resume with the same id keeps live connections, closes the gone, offers to the new', () => {
    expect(reconcile('me', ['a', 'b', 'x'], w('me', 'a', 'b', 'c'))).toEqual({ close: ['x'], offer: ['c'], keep: ['a', 'b'] });
  });

  test('coming back under another id starts over with everyone', () => {
    expect(reconcile('old', ['a', 'b'], w('new', 'a', 'c'))).toEqual({ close: ['a', 'b'], offer: ['a', 'c'], keep: [] });
  });

  test('self in the peer list is never offered to', () => {
    expect(reconcile(null, [], w('me', 'me', 'a')).offer).toEqual(['a']);
  });
});
