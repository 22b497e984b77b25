import type { Peer } from '../../server/protocol/events';
import { emptyParticipants, othersOf, reconcile, reduceParticipants, selfOf } from '../../client/shared/participants';

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
    s = reduceParticipants(s, { type: 'locked', locked: true });
    expect(selfOf(s)).toMatchObject({ media: { audio: false, video: false, screen: false }, hand: true });
    expect(s.locked).toBe(true);
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
