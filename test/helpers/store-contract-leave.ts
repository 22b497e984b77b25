/**
 * The room-state contract, continued: leaving is for good. A participant that left, and a meeting that ended, are
 * not brought back by their resume tokens; places and meetings lost otherwise (a reap, lost state) still are.
 * Called by roomStoreContract, so every RoomStore implementation runs it.
 */
import { ENDED_MEETING_MS, type JoinRequest, type ResumeProof, type RoomStore } from '../../server/rooms/store';
import { joinRequest, uid } from './join-request';

export function leaveContract(name: string, factory: () => Promise<RoomStore>): void {
  describe(`RoomStore contract, leaving: ${name}`, () => {
    let store: RoomStore;
    let room: string;
    const now = () => Date.now();
    const req = (over: Partial<JoinRequest> = {}): JoinRequest => joinRequest(room, over);
    const admit = async (over: Partial<JoinRequest> = {}) => {
      const r = await store.join(req(over));
      if (!r.ok) throw new Error(`join refused: ${r.code}`);
      return r.member;
    };
    const meetingNow = async () => (await store.snapshot(room))?.meeting ?? 'none';
    /** What the token of `peerId`, issued in `meeting`, proves. */
    const token = (meeting: string, host = false): ResumeProof => ({ meeting, host, password: false });
    const resumeOf = (peerId: string, proof: ResumeProof, over: Partial<JoinRequest> = {}) =>
      store.join(req({ peerId, resume: proof, ...over }));

    beforeEach(async () => {
      store = await factory();
      room = uid('leave-');
    });
    afterEach(async () => {
      await store.close();
    });

    test('a participant that left is not taken back under its PeerId: its token is stale, the room unchanged', async () => {
      const host = await admit({ sid: 'sh' });
      const guest = await admit({ sid: 'sg' });
      const meeting = await meetingNow();
      expect((await store.leave({ roomId: room, peerId: guest.id, sid: 'sg' }))?.reason).toBe('left');
      expect(await resumeOf(guest.id, token(meeting))).toEqual({ ok: false, code: 'STALE_RESUME' });
      // The host leaves too, with a token that says host: not host again, not a member again.
      const third = await admit();
      expect((await store.leave({ roomId: room, peerId: host.id, sid: 'sh' }))?.newHost).toBe(third.id);
      expect(await resumeOf(host.id, token(meeting, true))).toEqual({ ok: false, code: 'STALE_RESUME' });
      const snap = await store.snapshot(room);
      expect(snap?.meeting).toBe(meeting);
      expect(snap?.members.map((m) => [m.id, m.host])).toEqual([[third.id, true]]);
      expect(await store.isMember(room, guest.id)).toBe(false);
      // Joining afresh (a new PeerId) is as open as for anybody.
      expect((await store.join(req())).ok).toBe(true);
    });

    test('a place given up by a reap (no leave) is still given again under the same PeerId', async () => {
      await admit();
      const away = await admit({ sid: 'sa' });
      const meeting = await meetingNow();
      await store.detach({ roomId: room, peerId: away.id, sid: 'sa' }, now() - 1);
      expect((await store.reap(now())).map((r) => [r.member.id, r.reason])).toEqual([[away.id, 'disconnected']]);
      const back = await resumeOf(away.id, token(meeting));
      expect(back.ok && [back.member.id, back.resumed, back.member.host]).toEqual([away.id, false, false]);
    });

    test.each(['left', 'was reaped'] as const)(
      'a meeting whose last participant %s has ended: its tokens bring nothing back',
      async (how) => {
        const host = await admit({ sid: 'sh' });
        const meeting = await meetingNow();
        if (how === 'left') {
          await store.leave({ roomId: room, peerId: host.id, sid: 'sh' });
        } else {
          await store.detach({ roomId: room, peerId: host.id, sid: 'sh' }, now() - 1);
          expect(await store.reap(now())).toHaveLength(1);
        }
        expect(await store.snapshot(room)).toBeNull();
        expect(await resumeOf(host.id, token(meeting, true))).toEqual({ ok: false, code: 'STALE_RESUME' });
        expect(await resumeOf('never-left', token(meeting))).toEqual({ ok: false, code: 'STALE_RESUME' });
        expect(await store.snapshot(room)).toBeNull();
        // Anybody joining afresh opens a new meeting under the code.
        const fresh = await admit();
        expect(fresh.host).toBe(true);
        expect(await meetingNow()).not.toBe(meeting);
      },
    );

    test('a meeting ended in one room code is still brought back in another and after the token lifetime', async () => {
      const host = await admit({ sid: 'sh' });
      const meeting = await meetingNow();
      await store.leave({ roomId: room, peerId: host.id, sid: 'sh' });
      // Another code whose state was lost, with a token that names the same meeting id: not this room's end.
      const other = await resumeOf(host.id, token(meeting, true), { roomId: uid('other-') });
      expect(other.ok && other.member.host).toBe(true);
      // A token presented later than any token lives (as the store sees time): the end is no longer remembered.
      const later = await resumeOf(host.id, token(meeting, true), { now: now() + ENDED_MEETING_MS + 60_000 });
      expect(later.ok && [later.member.id, later.member.host]).toEqual([host.id, true]);
    });

    test('in a meeting brought back from lost state, leaving is for good too', async () => {
      // The meeting comes back from tokens (its state was lost); then a participant leaves.
      const meeting = uid('lost-meeting-');
      const ada = await store.join(req({ peerId: 'ada', sid: 'sa', resume: token(meeting, true) }));
      const bob = await store.join(req({ peerId: 'bob', sid: 'sb', resume: token(meeting) }));
      expect(ada.ok && bob.ok).toBe(true);
      await store.leave({ roomId: room, peerId: 'bob', sid: 'sb' });
      expect(await resumeOf('bob', token(meeting))).toEqual({ ok: false, code: 'STALE_RESUME' });
      // A participant that did not leave still comes back.
      expect(await resumeOf('cy', token(meeting))).toMatchObject({ ok: true, resumed: false });
    });
  });
}
