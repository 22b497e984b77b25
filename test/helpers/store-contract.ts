/**
 * The room-state contract: every RoomStore implementation must pass this suite.
 * Call it from a test file with a factory that returns a fresh, empty store.
 */
import type { ChatMessage } from '../../server/protocol/events';
import {
  handQueue,
  KNOCK_ANSWER_MS,
  type JoinRequest,
  type KnockRequest,
  type ResumeProof,
  type RoomStore,
} from '../../server/rooms/store';
import { leaveContract } from './store-contract-leave';
import { joinRequest, uid } from './join-request';

export function roomStoreContract(name: string, factory: () => Promise<RoomStore>): void {
  describe(`RoomStore contract: ${name}`, () => {
    let store: RoomStore;
    let room: string;
    const now = () => Date.now();
    const req = (over: Partial<JoinRequest> = {}): JoinRequest => joinRequest(room, over);
    /** What a token issued in the room's current meeting proves. */
    const proof = async (over: Partial<ResumeProof> = {}): Promise<ResumeProof> => ({
      meeting: (await store.snapshot(room))?.meeting ?? 'none',
      host: false,
      password: false,
      ...over,
    });
    /** A guess budget that counts what the store spends and gives back. */
    const budget = (left: number) => {
      const b = {
        left,
        spent: 0,
        refunded: 0,
        spend: async () => {
          b.spent++;
          if (b.left <= 0) return false;
          b.left--;
          return true;
        },
        refund: async () => {
          b.refunded++;
          b.left++;
        },
      };
      return b;
    };
    const admit = async (over: Partial<JoinRequest> = {}) => {
      const r = await store.join(req(over));
      if (!r.ok) throw new Error(`join refused: ${r.code}`);
      return r.member;
    };

    beforeEach(async () => {
      store = await factory();
      room = uid('room-');
    });
    afterEach(async () => {
      await store.close();
    });

    test('the first participant is host; the rest join in order', async () => {
      const a = await admit();
      const b = await admit();
      expect(a.host).toBe(true);
      expect(b.host).toBe(false);
      const snap = await store.snapshot(room);
      expect(snap?.members.map((m) => m.id)).toEqual([a.id, b.id]);
      expect(snap?.members.map((m) => m.host)).toEqual([true, false]);
      expect(snap?.locked).toBe(false);
      expect(await store.isMember(room, a.id)).toBe(true);
      expect(await store.isMember(room, 'nobody')).toBe(false);
      expect(await store.snapshot(uid('empty-'))).toBeNull();
    });

    test('capacity is exact under concurrent joins', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store.join(req({ maxPeers: 5 }))));
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      expect(results.filter((r) => !r.ok && r.code === 'ROOM_FULL')).toHaveLength(15);
      expect((await store.snapshot(room))?.members).toHaveLength(5);
      expect((await store.snapshot(room))?.members.filter((m) => m.host)).toHaveLength(1);
    });

    test('a locked room refuses new joins but takes back its own participant', async () => {
      const host = await admit();
      const guest = await admit();
      expect(await store.setSettings(room, guest.id, { locked: true })).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.setSettings(room, host.id, { locked: true })).toMatchObject({ ok: true });
      expect((await store.snapshot(room))?.locked).toBe(true);
      const r = await store.join(req());
      expect(r).toEqual({ ok: false, code: 'ROOM_LOCKED' });
      const back = await store.join(req({ peerId: guest.id, resume: await proof() }));
      expect(back.ok).toBe(true);
      expect(await store.setSettings(room, host.id, { locked: false })).toMatchObject({ ok: true });
      expect((await store.join(req())).ok).toBe(true);
    });

    test('the password is set by the first participant and checked for the rest', async () => {
      await admit({ password: 'sesame' });
      expect((await store.snapshot(room))?.hasPassword).toBe(true);
      expect(await store.join(req())).toEqual({ ok: false, code: 'WRONG_PASSWORD' });
      expect(await store.join(req({ password: 'wrong' }))).toEqual({ ok: false, code: 'WRONG_PASSWORD' });
      expect((await store.join(req({ password: 'sesame' }))).ok).toBe(true);
      expect((await store.snapshot(room))?.members).toHaveLength(2);
    });

    test('resume takes over the place from the stale connection', async () => {
      const a = await admit({ sid: 'old' });
      const r = await store.join(req({ peerId: a.id, sid: 'new', resume: await proof() }));
      expect(r.ok && r.resumed).toBe(true);
      // The stale connection going away later changes nothing.
      expect(await store.detach({ roomId: room, peerId: a.id, sid: 'old' }, now() - 1)).toBe(false);
      expect(await store.leave({ roomId: room, peerId: a.id, sid: 'old' })).toBeNull();
      expect(await store.reap(now())).toEqual([]);
      const snap = await store.snapshot(room);
      expect(snap?.members.map((m) => [m.id, m.sid, m.host])).toEqual([[a.id, 'new', true]]);
    });

    test('a detached participant keeps its place until the lease ends, then is reaped once', async () => {
      const a = await admit();
      const b = await admit({ sid: 'sb' });
      expect(await store.detach({ roomId: room, peerId: b.id, sid: 'sb' }, now() + 100)).toBe(true);
      expect(await store.isMember(room, b.id)).toBe(true);
      expect(await store.reap(now())).toEqual([]);
      const removals = await store.reap(now() + 200);
      expect(removals.map((r) => [r.roomId, r.member.id, r.reason])).toEqual([[room, b.id, 'disconnected']]);
      expect(await store.reap(now() + 300)).toEqual([]);
      expect(await store.isMember(room, b.id)).toBe(false);
      expect(await store.isMember(room, a.id)).toBe(true);
    });

    test('claim puts places under an owner and reports connections that no longer hold one', async () => {
      const owner = uid('o');
      expect(await store.renewOwner(owner, 60_000, true)).toBe('ok');
      const a = await admit({ sid: 'sa', expiresAt: now() + 50 });
      const b = await admit({ sid: 'sb', expiresAt: now() + 50 });
      expect(await store.locate(room, a.id)).toBe('');
      expect(await store.locate(room, 'nobody')).toBeNull();
      expect(
        await store.claim(owner, [
          { roomId: room, peerId: a.id, sid: 'sa' },
          { roomId: room, peerId: b.id, sid: 'stale' },
        ]),
      ).toEqual([{ roomId: room, peerId: b.id, sid: 'stale' }]);
      expect(await store.locate(room, a.id)).toBe(owner);
      const removals = await store.reap(now() + 1000);
      expect(removals.map((r) => r.member.id)).toEqual([b.id]);
      // Connections that no longer hold a place are reported, so their replica can send them away.
      const lost = await store.claim(owner, [
        { roomId: room, peerId: a.id, sid: 'sa' },
        { roomId: room, peerId: b.id, sid: 'sb' },
        { roomId: 'no-such-room', peerId: 'x', sid: 'sx' },
      ]);
      expect(lost).toEqual([
        { roomId: room, peerId: b.id, sid: 'sb' },
        { roomId: 'no-such-room', peerId: 'x', sid: 'sx' },
      ]);
    });

    test("a live owner's places do not expire; when its lease ends they are reaped once, and it is never live again", async () => {
      const live = uid('o');
      const dying = uid('o');
      expect(await store.renewOwner(live, 60_000, true)).toBe('ok');
      expect(await store.renewOwner(dying, 300, true)).toBe('ok');
      expect(await store.renewOwner(dying, 300, true)).toBe('lapsed');
      const a = await admit({ owner: live, expiresAt: now() - 1 });
      const b = await admit({ owner: dying, sid: 'sb' });
      const c = await admit({ owner: dying, sid: 'sc' });
      // Away: no longer covered by its owner, kept for its grace period.
      expect(await store.detach({ roomId: room, peerId: c.id, sid: 'sc' }, now() + 60_000)).toBe(true);
      // An owner that is not live covers nothing: the place ends at its expiresAt.
      const d = await admit({ owner: uid('o'), expiresAt: now() + 60_000 });
      expect(a.expiresAt).toBe(Infinity);
      expect(d.expiresAt).toBeLessThan(Infinity);
      expect([await store.locate(room, a.id), await store.locate(room, b.id), await store.locate(room, d.id)]).toEqual([live, dying, '']);
      expect(await store.reap(now() + 10_000)).toEqual([]);
      await new Promise((r) => setTimeout(r, 400));
      expect(await store.renewOwner(dying, 300, false)).toBe('lapsed');
      const removals = await store.reap(now());
      expect(removals.map((r) => [r.member.id, r.reason])).toEqual([[b.id, 'disconnected']]);
      expect(await store.reap(now())).toEqual([]);
      expect(await store.renewOwner(dying, 300, false)).toBe('lapsed');
      expect(await store.renewOwner(live, 60_000, false)).toBe('ok');
      expect((await store.snapshot(room))?.members.map((m) => m.id)).toEqual([a.id, c.id, d.id]);
    });

    test('the host hands over to the next in join order when leaving', async () => {
      const a = await admit({ sid: 'sa' });
      const b = await admit();
      const c = await admit();
      const removal = await store.leave({ roomId: room, peerId: a.id, sid: 'sa' });
      expect(removal?.reason).toBe('left');
      expect(removal?.newHost).toBe(b.id);
      const snap = await store.snapshot(room);
      expect(snap?.members.map((m) => [m.id, m.host])).toEqual([
        [b.id, true],
        [c.id, false],
      ]);
    });

    test('reaping the host also hands over', async () => {
      const a = await admit({ sid: 'sa' });
      const b = await admit();
      await store.detach({ roomId: room, peerId: a.id, sid: 'sa' }, now() - 1);
      const [removal] = await store.reap(now());
      expect(removal.member.id).toBe(a.id);
      expect(removal.newHost).toBe(b.id);
    });

    test('the room and everything in it goes with its last participant', async () => {
      const a = await admit({ sid: 'sa', password: 'pw' });
      const b = await admit({ password: 'pw' });
      await store.kick(room, a.id, b.id);
      await store.addChat(room, { id: 'm1', from: a.id, name: 'A', text: 'hi', ts: 1 }, 10);
      await store.setSettings(room, a.id, { locked: true });
      await store.leave({ roomId: room, peerId: a.id, sid: 'sa' });
      expect(await store.snapshot(room)).toBeNull();
      expect(await store.chat(room)).toEqual([]);
      // A new room under the same id: no password, no lock, no bans.
      const again = await admit({ peerId: b.id, identity: b.identity });
      expect(again.host).toBe(true);
    });

    test('kick removes the target and bans its PeerId and identity, not others', async () => {
      const host = await admit();
      const t = await admit({ identity: '10.0.0.1|troll' });
      const other = await admit({ identity: '10.0.0.1|alice' });
      expect(await store.kick(room, other.id, t.id)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.kick(room, host.id, 'ghost')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      const r = await store.kick(room, host.id, t.id);
      expect(r.ok).toBe(true);
      expect(r.ok && [r.removal.member.id, r.removal.reason]).toEqual([t.id, 'kicked']);
      expect(await store.isMember(room, t.id)).toBe(false);
      expect(await store.join(req({ peerId: t.id, resume: await proof() }))).toEqual({ ok: false, code: 'BANNED' });
      expect(await store.join(req({ identity: '10.0.0.1|troll' }))).toEqual({ ok: false, code: 'BANNED' });
      expect((await store.join(req({ identity: '10.0.0.1|bob' }))).ok).toBe(true);
      expect(await store.isMember(room, other.id)).toBe(true);
    });

    test('host checks for mute', async () => {
      const host = await admit();
      const g = await admit();
      expect(await store.checkHostOver(room, host.id, g.id)).toMatchObject({ ok: true });
      expect(await store.checkHostOver(room, g.id, host.id)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.checkHostOver(room, host.id, 'ghost')).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect(await store.checkHostOver(room, 'ghost', g.id)).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
    });

    test('media and hand updates', async () => {
      const a = await admit();
      expect(await store.updatePeer(room, a.id, { media: { audio: false, video: true, screen: true } })).toEqual({ ok: true });
      expect(await store.updatePeer(room, a.id, { hand: true })).toMatchObject({ ok: true });
      expect(await store.updatePeer(room, 'ghost', { hand: true })).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      const [m] = (await store.snapshot(room))!.members;
      expect(m.media).toEqual({ audio: false, video: true, screen: true });
      expect(m.hand).toBe(true);
    });

    test('recording is kept per participant, alone, until it stops or the participant goes', async () => {
      const a = await admit({ sid: 'sa' });
      const b = await admit();
      expect(await store.updatePeer(room, a.id, { recording: true })).toEqual({ ok: true });
      expect(await store.updatePeer(room, 'ghost', { recording: true })).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      const recordingOf = async () => (await store.snapshot(room))!.members.map((m) => [m.id, m.recording]);
      expect(await recordingOf()).toEqual([
        [a.id, true],
        [b.id, false],
      ]);
      // Other changes leave it as it is, and it leaves them.
      expect(await store.updatePeer(room, a.id, { hand: true, media: { audio: false, video: true, screen: false } })).toEqual({ ok: true });
      expect(await store.updatePeer(room, a.id, { recording: true })).toEqual({ ok: true });
      const [m] = (await store.snapshot(room))!.members;
      expect([m.recording, m.hand, m.media]).toEqual([true, true, { audio: false, video: true, screen: false }]);
      expect(await store.updatePeer(room, a.id, { recording: false })).toEqual({ ok: true });
      expect(await recordingOf()).toEqual([
        [a.id, false],
        [b.id, false],
      ]);
      expect((await store.snapshot(room))!.members[0].hand).toBe(true);
      // A participant that leaves takes its recording with it; a place given again starts without.
      await store.updatePeer(room, a.id, { recording: true });
      const removal = await store.leave({ roomId: room, peerId: a.id, sid: 'sa' });
      expect(removal?.member.recording).toBe(true);
      expect(await recordingOf()).toEqual([[b.id, false]]);
      const c = await admit();
      expect((await store.snapshot(room))!.members.find((x) => x.id === c.id)?.recording).toBe(false);
    });

    test('chat history is kept in order and bounded', async () => {
      const p = await admit();
      const msg = (i: number, from = p.id): ChatMessage => ({ id: `m${i}`, from, name: 'P', text: `t${i} <b>&`, ts: 1000 + i });
      for (let i = 0; i < 7; i++) expect(await store.addChat(room, msg(i), 5)).toEqual({ ok: true });
      expect(await store.chat(room)).toEqual([2, 3, 4, 5, 6].map((i) => msg(i)));
      expect(await store.addChat(uid('nobody-'), msg(9), 5)).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect(await store.addChat(room, msg(10, 'ghost'), 5)).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect((await store.chat(room)).map((m) => m.id)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']);
    });

    test('a resume of a participant whose place is gone admits it again under the same PeerId', async () => {
      await admit();
      const r = await store.join(req({ peerId: 'returning', resume: await proof() }));
      expect(r.ok && [r.member.id, r.resumed]).toEqual(['returning', false]);
    });

    test('a returning participant needs no password but respects the lock', async () => {
      const host = await admit({ password: 'pw' });
      expect((await store.join(req({ peerId: 'back1', resume: await proof() }))).ok).toBe(true);
      await store.setSettings(room, host.id, { locked: true });
      expect(await store.join(req({ peerId: 'back2', resume: await proof() }))).toEqual({ ok: false, code: 'ROOM_LOCKED' });
    });

    test('a token of an earlier meeting of the same code is stale: its holder joins afresh, password and all', async () => {
      const a = await admit();
      const old = await proof();
      expect(await store.leave({ roomId: room, peerId: a.id, sid: a.sid })).not.toBeNull();
      await admit({ password: 'new' });
      expect((await store.snapshot(room))?.meeting).not.toBe(old.meeting);
      expect(await store.join(req({ peerId: a.id, resume: old }))).toEqual({ ok: false, code: 'STALE_RESUME' });
      expect(await store.join(req({ resume: old, password: 'new' }))).toEqual({ ok: false, code: 'STALE_RESUME' });
      expect((await store.snapshot(room))?.members).toHaveLength(1);
    });

    test('a token that names no meeting only takes over a place still held', async () => {
      const a = await admit({ sid: 'old' });
      const legacy: ResumeProof = { meeting: '', host: false, password: false };
      const r = await store.join(req({ peerId: a.id, sid: 'new', resume: legacy }));
      expect(r.ok && r.resumed).toBe(true);
      expect(await store.join(req({ peerId: 'gone', resume: legacy }))).toEqual({ ok: false, code: 'STALE_RESUME' });
      expect(await store.join(req({ peerId: 'gone', roomId: uid('lost-'), resume: legacy }))).toEqual({ ok: false, code: 'STALE_RESUME' });
    });

    test('a meeting whose state is gone comes back under its id, with host only from the token', async () => {
      const meeting = uid('lost-meeting-');
      const guest = await store.join(req({ peerId: 'guest', resume: { meeting, host: false, password: false } }));
      expect(guest.ok && [guest.member.host, guest.resumed]).toEqual([false, false]);
      expect((await store.snapshot(room))?.meeting).toBe(meeting);
      // Somebody new joins the meeting that came back: not host either.
      expect((await admit()).host).toBe(false);
      const host = await store.join(req({ peerId: 'host', resume: { meeting, host: true, password: false } }));
      expect(host.ok && host.member.host).toBe(true);
      // Only one host: a second token that says host (an older one) is a participant.
      const other = await store.join(req({ peerId: 'older', resume: { meeting, host: true, password: false } }));
      expect(other.ok && other.member.host).toBe(false);
      expect(await store.setSettings(room, 'guest', { locked: true })).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.kick(room, 'host', 'guest')).toMatchObject({ ok: true });
    });

    test('a meeting that had a password comes back only with a password, which it keeps', async () => {
      const meeting = uid('lost-meeting-');
      const back = { meeting, host: true, password: true };
      expect(await store.join(req({ peerId: 'h', resume: back }))).toEqual({ ok: false, code: 'WRONG_PASSWORD' });
      expect(await store.snapshot(room)).toBeNull();
      expect((await store.join(req({ peerId: 'h', resume: back, password: 'pw' }))).ok).toBe(true);
      expect((await store.snapshot(room))?.hasPassword).toBe(true);
      expect(await store.join(req({ password: 'nope' }))).toEqual({ ok: false, code: 'WRONG_PASSWORD' });
      expect((await store.join(req({ password: 'pw' }))).ok).toBe(true);
      // Its own participants come back without typing it.
      expect((await store.join(req({ peerId: 'g', resume: { meeting, host: false, password: true } }))).ok).toBe(true);
    });

    test('a guess is spent before the password is checked, and given back unless it was wrong', async () => {
      await admit({ password: 'pw' });
      const wrong = budget(10);
      const results = await Promise.all(Array.from({ length: 15 }, () => store.join(req({ password: 'nope', guesses: wrong }))));
      expect(results.filter((r) => !r.ok && r.code === 'WRONG_PASSWORD')).toHaveLength(10);
      expect(results.filter((r) => !r.ok && r.code === 'RATE_LIMITED')).toHaveLength(5);
      expect([wrong.spent, wrong.refunded, wrong.left]).toEqual([15, 0, 0]);
      const right = budget(1);
      expect((await store.join(req({ password: 'pw', guesses: right }))).ok).toBe(true);
      expect([right.spent, right.refunded, right.left]).toEqual([1, 1, 1]);
    });

    test('no guess is spent, nor a password hashed, where no password is checked', async () => {
      const b = budget(0);
      // Creating a room with a password, joining one without, resuming into one with: nothing to guess.
      const host = await admit({ password: 'pw', guesses: b });
      const open = uid('open-');
      expect((await store.join(req({ roomId: open, guesses: b }))).ok).toBe(true);
      expect((await store.join(req({ roomId: open, password: 'y', guesses: b }))).ok).toBe(true);
      expect((await store.join(req({ peerId: 'back', resume: await proof(), guesses: b }))).ok).toBe(true);
      // Refusals that need no password come first.
      await store.setSettings(room, host.id, { locked: true });
      expect(await store.join(req({ password: 'nope', guesses: b }))).toEqual({ ok: false, code: 'ROOM_LOCKED' });
      await store.setSettings(room, host.id, { locked: false });
      expect(await store.join(req({ password: 'nope', maxPeers: 2, guesses: b }))).toEqual({ ok: false, code: 'ROOM_FULL' });
      expect(b.spent).toBe(0);
      expect((await store.snapshot(open))?.hasPassword).toBe(false);
    });

    test('co-hosts: only the host names them; they run the meeting but have no power over the host', async () => {
      const host = await admit();
      const co = await admit();
      const guest = await admit();
      expect(await store.setCohost(room, co.id, guest.id, true)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.setCohost(room, host.id, host.id, true)).toEqual({ ok: false, code: 'BAD_REQUEST' });
      expect(await store.setCohost(room, host.id, 'ghost', true)).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect(await store.setCohost(room, host.id, co.id, true)).toEqual({ ok: true });
      expect((await store.snapshot(room))?.members.map((m) => m.cohost)).toEqual([false, true, false]);
      expect(await store.setCohost(room, co.id, guest.id, true)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.setSettings(room, co.id, { chatLocked: true })).toEqual({
        ok: true,
        settings: { locked: false, chatLocked: true, screenLocked: false, askToJoin: false },
      });
      expect(await store.setSettings(room, guest.id, { locked: true })).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.kick(room, co.id, host.id)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.checkHostOver(room, co.id, host.id)).toEqual({ ok: false, code: 'NOT_HOST' });
      const all = await store.checkHostOver(room, co.id);
      expect(all.ok && all.members.map((m) => m.id)).toEqual([host.id, co.id, guest.id]);
      expect(await store.checkHostOver(room, guest.id)).toEqual({ ok: false, code: 'NOT_HOST' });
      const kicked = await store.kick(room, co.id, guest.id);
      expect(kicked.ok && kicked.removal.member.id).toBe(guest.id);
      const snap = await store.snapshot(room);
      expect(snap && [snap.locked, snap.chatLocked, snap.screenLocked]).toEqual([false, true, false]);
    });

    test('the host that goes is followed by the co-host present longest, who stops being co-host', async () => {
      const host = await admit({ sid: 'sh' });
      const early = await admit();
      const c1 = await admit();
      const c2 = await admit();
      await store.setCohost(room, host.id, c2.id, true);
      await store.setCohost(room, host.id, c1.id, true);
      const removal = await store.leave({ roomId: room, peerId: host.id, sid: 'sh' });
      expect(removal?.newHost).toBe(c1.id);
      const snap = await store.snapshot(room);
      expect(snap?.members.map((m) => [m.id, m.host, m.cohost])).toEqual([
        [early.id, false, false],
        [c1.id, true, false],
        [c2.id, false, true],
      ]);
    });

    test('a hand keeps the time it went up until lowered; hosts lower hands; the queue follows the times', async () => {
      const host = await admit();
      const a = await admit();
      const b = await admit();
      expect(await store.updatePeer(room, b.id, { hand: true })).toEqual({ ok: true });
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.updatePeer(room, a.id, { hand: true })).toEqual({ ok: true });
      const first = (await store.snapshot(room))!.members;
      expect(handQueue(first)).toEqual([b.id, a.id]);
      expect(first.find((m) => m.id === b.id)!.handAt).toBeGreaterThan(0);
      // Raising again keeps the place.
      await store.updatePeer(room, b.id, { hand: true });
      expect(handQueue((await store.snapshot(room))!.members)).toEqual([b.id, a.id]);
      expect(await store.lowerHand(room, a.id, b.id)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.lowerHand(room, host.id, b.id)).toEqual({ ok: true });
      const after = (await store.snapshot(room))!.members;
      expect(after.find((m) => m.id === b.id)).toMatchObject({ hand: false, handAt: 0 });
      expect(handQueue(after)).toEqual([a.id]);
      await store.updatePeer(room, b.id, { hand: true });
      expect(handQueue((await store.snapshot(room))!.members)).toEqual([a.id, b.id]);
    });

    test('chat and screen locks hold for participants, not for those who run the meeting', async () => {
      const host = await admit();
      const guest = await admit();
      const msg = (id: string, from: string): ChatMessage => ({ id, from, name: 'N', text: id, ts: 1 });
      await store.setSettings(room, host.id, { chatLocked: true, screenLocked: true });
      expect(await store.addChat(room, msg('g', guest.id), 10)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.addChat(room, msg('h', host.id), 10)).toEqual({ ok: true });
      expect((await store.chat(room)).map((m) => m.id)).toEqual(['h']);
      const screen = { audio: true, video: true, screen: true };
      expect(await store.updatePeer(room, guest.id, { media: screen })).toEqual({ ok: false, code: 'NOT_HOST' });
      expect((await store.snapshot(room))!.members[1].media.screen).toBe(false);
      expect(await store.updatePeer(room, host.id, { media: screen })).toEqual({ ok: true });
      await store.setSettings(room, host.id, { screenLocked: false });
      expect(await store.updatePeer(room, guest.id, { media: screen })).toEqual({ ok: true });
      // Sharing already: the lock does not stop it.
      await store.setSettings(room, host.id, { screenLocked: true });
      expect(await store.updatePeer(room, guest.id, { media: { ...screen, audio: false } })).toEqual({ ok: true });
    });

    test('ask to join: knocks wait for a host or co-host, who admits or denies; the admitted join, the denied wait', async () => {
      const t = now();
      const kr = (id: string, name: string, over: Partial<KnockRequest> = {}): KnockRequest => ({
        roomId: room,
        id,
        name,
        identity: `10.0.0.9|${name.toLowerCase()}`,
        now: t,
        expiresAt: t + 30_000,
        ...over,
      });
      expect(await store.knock(kr('k-empty-room', 'Ann'))).toEqual({ ok: true, state: 'open', changed: false });
      const host = await admit();
      const guest = await admit();
      expect(await store.knock(kr('k-not-asked', 'Ann'))).toEqual({ ok: true, state: 'open', changed: false });
      expect(await store.setSettings(room, guest.id, { askToJoin: true })).toEqual({ ok: false, code: 'NOT_HOST' });
      await store.setSettings(room, host.id, { askToJoin: true });
      expect(await store.join(req())).toEqual({ ok: false, code: 'ASK_TO_JOIN' });
      // Its own participants come back without asking.
      expect((await store.join(req({ peerId: guest.id, resume: await proof() }))).ok).toBe(true);

      expect(await store.knock(kr('k-ann', 'Ann'))).toEqual({ ok: true, state: 'waiting', changed: true });
      expect(await store.knock(kr('k-bo', 'Bo', { now: t + 1 }))).toEqual({ ok: true, state: 'waiting', changed: true });
      expect(await store.knock(kr('k-ann', 'Ann', { expiresAt: t + 40_000 }))).toEqual({ ok: true, state: 'waiting', changed: false });
      expect(await store.knock(kr('k-ann', 'Mallory'))).toEqual({ ok: false, code: 'BAD_REQUEST' });
      expect((await store.knocks(room, t)).map((k) => [k.id, k.name])).toEqual([
        ['k-ann', 'Ann'],
        ['k-bo', 'Bo'],
      ]);
      expect(await store.answerKnocks(room, guest.id, 'all', true, t)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.answerKnocks(room, host.id, ['k-nobody'], true, t)).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      const admitted = await store.answerKnocks(room, host.id, ['k-ann'], true, t);
      expect(admitted.ok && admitted.answered.map((k) => k.name)).toEqual(['Ann']);
      const denied = await store.answerKnocks(room, host.id, ['k-bo'], false, t);
      expect(denied.ok && denied.answered.map((k) => k.name)).toEqual(['Bo']);
      expect(await store.knocks(room, t)).toEqual([]);
      // Answers are kept for their knockers; a denied identity may not knock again for a while.
      expect(await store.knock(kr('k-ann', 'Ann'))).toEqual({ ok: true, state: 'admitted', changed: false });
      expect(await store.knock(kr('k-bo', 'Bo'))).toEqual({ ok: true, state: 'denied', changed: false });
      expect(await store.knock(kr('k-bo-2', 'Bo'))).toEqual({ ok: false, code: 'DENIED' });
      expect(await store.knock(kr('k-bo-3', 'Bo', { now: t + KNOCK_ANSWER_MS + 1 }))).toMatchObject({ ok: true, state: 'waiting' });
      expect((await store.join(req({ admitted: true }))).ok).toBe(true);
    });

    test('knocks: withdrawn, expired, banned and locked', async () => {
      const t = now();
      const kr = (id: string, name: string, over: Partial<KnockRequest> = {}): KnockRequest => ({
        roomId: room,
        id,
        name,
        identity: `10.0.0.7|${name.toLowerCase()}`,
        now: t,
        expiresAt: t + 30_000,
        ...over,
      });
      const host = await admit();
      const troll = await admit({ identity: '10.0.0.7|troll' });
      await store.kick(room, host.id, troll.id);
      await store.setSettings(room, host.id, { askToJoin: true });
      expect(await store.knock(kr('k-troll', 'Troll'))).toEqual({ ok: false, code: 'BANNED' });
      await store.knock(kr('k-cy', 'Cy'));
      await store.knock(kr('k-di', 'Di', { expiresAt: t + 10 }));
      expect(await store.withdrawKnock(room, 'k-cy')).toBe(true);
      expect(await store.withdrawKnock(room, 'k-cy')).toBe(false);
      expect((await store.knocks(room, t)).map((k) => k.name)).toEqual(['Di']);
      expect(await store.knocks(room, t + 11)).toEqual([]);
      const none = await store.answerKnocks(room, host.id, 'all', true, t + 11);
      expect(none.ok && none.answered).toEqual([]);
      await store.setSettings(room, host.id, { locked: true });
      expect(await store.knock(kr('k-ed', 'Ed'))).toEqual({ ok: false, code: 'ROOM_LOCKED' });
    });

    test('breakout rooms: one plan at a time, for participants only; the timer closes only the plan it was set for', async () => {
      const host = await admit();
      const guest = await admit();
      const plan = (name: string) => ({ rooms: [{ id: uid('b-'), name, members: ['G'] }], endsAt: 0 });
      const first = plan('One');
      expect(await store.openBreakouts(room, guest.id, first, [])).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.openBreakouts(room, host.id, first, [host.id])).toEqual({ ok: false, code: 'BAD_REQUEST' });
      expect(await store.openBreakouts(room, host.id, first, ['ghost'])).toEqual({ ok: false, code: 'NOT_IN_ROOM' });
      expect((await store.snapshot(room))?.breakouts).toBeNull();
      expect(await store.openBreakouts(room, host.id, first, [guest.id])).toEqual({ ok: true });
      expect((await store.snapshot(room))?.breakouts).toEqual(first);
      expect(await store.openBreakouts(room, host.id, plan('Two'), [guest.id])).toEqual({ ok: false, code: 'BAD_REQUEST' });
      expect(await store.closeBreakouts(room, guest.id)).toEqual({ ok: false, code: 'NOT_HOST' });
      expect(await store.closeBreakouts(room, host.id)).toEqual({ ok: true, closed: first });
      expect(await store.closeBreakouts(room, host.id)).toEqual({ ok: true, closed: null });
      // A timer set for the first plan does not close a second one.
      const second = plan('Two');
      await store.openBreakouts(room, host.id, second, []);
      expect(await store.closeBreakouts(room, null, first)).toEqual({ ok: true, closed: null });
      expect(await store.closeBreakouts(room, null, second)).toEqual({ ok: true, closed: second });
    });

    test('a breakout room keeps its main room; one coming back passes the lock and "ask to join"', async () => {
      const main = uid('main-');
      const host = await admit();
      await store.setSettings(room, host.id, { locked: true, askToJoin: true });
      expect(await store.join(req({ admitted: true }))).toEqual({ ok: false, code: 'ROOM_LOCKED' });
      expect((await store.join(req({ returning: true }))).ok).toBe(true);
      expect((await store.join(req({ roomId: main, parent: room }))).ok).toBe(true);
      expect((await store.snapshot(main))?.parent).toBe(room);
      expect((await store.snapshot(room))?.parent).toBe('');
    });
  });
  leaveContract(name, factory);
}
