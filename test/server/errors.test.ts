/** Every error code of the contract that one replica can produce, each shown once, with the fixed body shape. */
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../../server/protocol/errors';
import type { ChatMessage } from '../../server/protocol/events';
import { MemoryRoomStore } from '../../server/rooms/memory';
import type { HostAction, JoinRequest, JoinResult, RoomSnapshot } from '../../server/rooms/store';
import { closeAll, connect, emitAck, join, peek, refused } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

const LEAK = 'connection string redis://user:hunter2@db.internal:6379';

/** A store whose methods fail for rooms named "boom-…", as a broken backend would. */
class FailingStore extends MemoryRoomStore {
  override async join(req: JoinRequest): Promise<JoinResult> {
    if (req.roomId.startsWith('boom-join')) throw new Error(LEAK);
    return super.join(req);
  }
  override async snapshot(roomId: string): Promise<RoomSnapshot | null> {
    if (roomId.startsWith('boom-peek')) throw new Error(LEAK);
    return super.snapshot(roomId);
  }
  override async addChat(roomId: string, message: ChatMessage, limit: number): Promise<HostAction> {
    if (roomId.startsWith('boom-chat')) throw new Error(LEAK);
    return super.addChat(roomId, message, limit);
  }
}

let srv: TestServer;
let n = 0;
const fresh = () => `err-${++n}-${Date.now().toString(36)}`;

beforeAll(async () => {
  srv = await startServer(
    { roomMaxPeers: 2, eventRate: 1, eventBurst: 3, joinRatePerAddr: 1000, joinBurstPerAddr: 1000 },
    { store: new FailingStore() },
  );
});
afterEach(() => closeAll());
afterAll(() => srv.close());

/** Produces the refusal for one code, as a client sees it. */
const PRODUCERS: Record<ErrorCode, () => Promise<(Pick<ErrorBody, 'message'> & { code: string }) | undefined>> = {
  BAD_REQUEST: async () => (await refused(srv.url, { room: 'Not A Room!', name: 'Ada' })).data,
  ROOM_FULL: async () => {
    const room = fresh();
    await join(srv.url, { room, name: 'Ada' });
    await join(srv.url, { room, name: 'Bob' });
    return (await refused(srv.url, { room, name: 'Cy' })).data;
  },
  ROOM_LOCKED: async () => {
    const room = fresh();
    const ada = await join(srv.url, { room, name: 'Ada' });
    await emitAck(ada.socket, 'host:lock', { locked: true });
    return (await refused(srv.url, { room, name: 'Bob' })).data;
  },
  WRONG_PASSWORD: async () => {
    const room = fresh();
    await join(srv.url, { room, name: 'Ada', password: 'right' });
    return (await refused(srv.url, { room, name: 'Bob', password: 'wrong' })).data;
  },
  NOT_IN_ROOM: async () => {
    const ada = await join(srv.url, { room: fresh(), name: 'Ada' });
    const r = await emitAck(ada.socket, 'signal', { to: 'someone-else', candidate: null });
    return r.ok ? undefined : r.error;
  },
  NOT_HOST: async () => {
    const room = fresh();
    await join(srv.url, { room, name: 'Ada' });
    const bob = await join(srv.url, { room, name: 'Bob' });
    const r = await emitAck(bob.socket, 'host:lock', { locked: true });
    return r.ok ? undefined : r.error;
  },
  BANNED: async () => {
    const room = fresh();
    const ada = await join(srv.url, { room, name: 'Ada' });
    const bob = await join(srv.url, { room, name: 'Bob' });
    await emitAck(ada.socket, 'host:kick', { id: bob.welcome.self.id });
    return (await refused(srv.url, { room, name: 'Bob' })).data;
  },
  RATE_LIMITED: async () => {
    const ada = await join(srv.url, { room: fresh(), name: 'Ada' });
    const replies = await Promise.all(Array.from({ length: 6 }, () => emitAck(ada.socket, 'hand', { raised: true })));
    const r = replies.find((x) => !x.ok);
    return r && !r.ok ? r.error : undefined;
  },
  PAYLOAD_TOO_LARGE: async () => {
    const ada = await join(srv.url, { room: fresh(), name: 'Ada' });
    const r = await emitAck(ada.socket, 'chat:send', { text: 'x'.repeat(2001) });
    return r.ok ? undefined : r.error;
  },
  ASK_TO_JOIN: async () => {
    const room = fresh();
    const ada = await join(srv.url, { room, name: 'Ada' });
    await emitAck(ada.socket, 'host:settings', { askToJoin: true });
    return (await refused(srv.url, { room, name: 'Bob' })).data;
  },
  DENIED: async () => {
    const room = fresh();
    const ada = await join(srv.url, { room, name: 'Ada' });
    await emitAck(ada.socket, 'host:settings', { askToJoin: true });
    const lobby = connect(srv.url, '/lobby');
    const first = await emitAck<{ knock: { id: string } }>(lobby, 'lobby:knock', { room, name: 'Bob' });
    if (!first.ok) return undefined;
    await emitAck(ada.socket, 'host:deny', { id: first.knock.id });
    const again = await emitAck(lobby, 'lobby:knock', { room, name: 'Bob' });
    return again.ok ? undefined : again.error;
  },
  INTERNAL: async () => {
    const ada = await join(srv.url, { room: `boom-chat-${n++}`, name: 'Ada' });
    const r = await emitAck(ada.socket, 'chat:send', { text: 'hi' });
    return r.ok ? undefined : r.error;
  },
};

test.each(ERROR_CODES.map((code) => [code]))('%s is produced with { code, message }', async (code) => {
  const body = await PRODUCERS[code]();
  expect(body).toEqual({ code, message: expect.any(String) });
  expect(body?.message.length).toBeGreaterThan(0);
  expect(body?.message).not.toContain('hunter2');
});

describe('INTERNAL', () => {
  test('a failing store refuses the join with a retryable INTERNAL and a fixed message, and the replica goes on', async () => {
    const refusal = await refused(srv.url, { room: 'boom-join-x', name: 'Ada' });
    expect(refusal.message).toBe('INTERNAL');
    expect(refusal.data).toEqual({
      code: 'INTERNAL',
      message: 'The meeting service is briefly unavailable; try again in a moment.',
      retryable: true,
    });
    const ok = await join(srv.url, { room: fresh(), name: 'Ada' });
    expect(ok.welcome.self.host).toBe(true);
  });

  test('a failing store answers chat:send with INTERNAL; nothing reaches the others', async () => {
    const room = `boom-chat-${n++}`;
    const ada = await join(srv.url, { room, name: 'Ada' });
    const bob = await join(srv.url, { room, name: 'Bob' });
    let got = 0;
    bob.socket.on('chat:message', () => got++);
    const r = await emitAck(ada.socket, 'chat:send', { text: 'hello' });
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong on the server.' } });
    expect(await emitAck(bob.socket, 'sync:ping')).toMatchObject({ ok: false });
    expect(got).toBe(0);
    expect(ada.socket.connected).toBe(true);
  });

  test('a failing store answers lobby:peek with INTERNAL', async () => {
    const r = await peek(srv.url, 'boom-peek-1');
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong on the server.' } });
    const lobby = connect(srv.url, '/lobby');
    expect(await emitAck(lobby, 'lobby:peek', { room: fresh() })).toMatchObject({ ok: true });
  });
});
