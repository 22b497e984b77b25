import { MemoryRoomStore } from '../../server/rooms/memory';
import { ENDED_MEETING_MS, type JoinRequest } from '../../server/rooms/store';
import { roomStoreContract } from '../helpers/store-contract';

roomStoreContract('memory', async () => new MemoryRoomStore());

describe('MemoryRoomStore: ended meetings are bounded in number and time', () => {
  const req = (room: string, peerId: string, over: Partial<JoinRequest> = {}): JoinRequest => ({
    roomId: room,
    peerId,
    name: peerId,
    identity: `127.0.0.1|${peerId}`,
    sid: `s-${peerId}`,
    maxPeers: 8,
    expiresAt: Date.now() + 60_000,
    now: Date.now(),
    meeting: `meeting-of-${room}`,
    ...over,
  });
  /** Opens `room` and empties it again; its meeting has ended. */
  const endMeeting = async (store: MemoryRoomStore, room: string) => {
    const r = await store.join(req(room, 'host'));
    if (!r.ok) throw new Error(r.code);
    await store.leave({ roomId: room, peerId: 'host', sid: 's-host' });
  };
  /** The host's token of `room`'s ended meeting, presented now. */
  const comesBack = async (store: MemoryRoomStore, room: string) =>
    (await store.join(req(room, 'host', { sid: 'again', resume: { meeting: `meeting-of-${room}`, host: true, password: false } }))).ok;

  test('past the bound, the meetings that ended first are forgotten first', async () => {
    const store = new MemoryRoomStore({ endedMax: 2 });
    for (const room of ['r1', 'r2', 'r3']) await endMeeting(store, room);
    expect(await comesBack(store, 'r1')).toBe(true);
    expect(await comesBack(store, 'r2')).toBe(false);
    expect(await comesBack(store, 'r3')).toBe(false);
    await store.close();
  });

  test('the reaper forgets a meeting that ended longer ago than a token lives', async () => {
    const store = new MemoryRoomStore();
    await endMeeting(store, 'r1');
    await store.reap(Date.now() + ENDED_MEETING_MS - 60_000);
    expect(await comesBack(store, 'r1')).toBe(false);
    await endMeeting(store, 'r2');
    await store.reap(Date.now() + ENDED_MEETING_MS + 60_000);
    // Asked with the present time: only the sweep can have made it forget.
    expect(await comesBack(store, 'r2')).toBe(true);
    await store.close();
  });
});
