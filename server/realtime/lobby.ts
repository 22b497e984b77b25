/** `/lobby`: peek at a room before joining, or watch it change. */
import type { Namespace, Server, Socket } from 'socket.io';
import type { LobbyClientToServer, LobbyRoom, LobbyServerToClient } from '../protocol/events';
import { AppError } from '../protocol/errors';
import { lobbyRoom } from '../protocol/schemas';
import type { RoomSnapshot, RoomStore } from '../rooms/store';
import { type RealtimeDeps, watchRoom } from './context';
import { registerEvents, socketBuckets, type EventContext, type EventTable } from './handler';

export type LobbyNamespace = Namespace<LobbyClientToServer, LobbyServerToClient>;

const MAX_WATCHES = 8;

export function lobbyView(roomId: string, snap: RoomSnapshot | null): LobbyRoom {
  return {
    id: roomId,
    count: snap?.members.length ?? 0,
    names: snap?.members.map((m) => m.name) ?? [],
    locked: snap?.locked ?? false,
    password: snap?.hasPassword ?? false,
  };
}

interface LobbyEventContext extends EventContext {
  store: RoomStore;
  socket: Socket<LobbyClientToServer, LobbyServerToClient>;
}

const lobbyEvents = {
  'lobby:peek': {
    schema: lobbyRoom,
    bucket: 'event',
    run: async ({ room }, { store }) => ({ room: lobbyView(room, await store.snapshot(room)) }),
  },
  'lobby:watch': {
    schema: lobbyRoom,
    bucket: 'event',
    run: async ({ room }, { store, socket }) => {
      const watching = [...socket.rooms].filter((r) => r.startsWith('w:'));
      if (!watching.includes(watchRoom(room)) && watching.length >= MAX_WATCHES) {
        throw new AppError('RATE_LIMITED', `At most ${MAX_WATCHES} rooms can be watched at once.`);
      }
      // Join before reading, so that no change falls between the reply and the first update.
      await socket.join(watchRoom(room));
      return { room: lobbyView(room, await store.snapshot(room)) };
    },
  },
} satisfies EventTable<LobbyClientToServer, LobbyEventContext>;

export function attachLobby(io: Server, deps: RealtimeDeps): { nsp: LobbyNamespace; notify: (roomId: string) => void } {
  const { store, metrics, config } = deps;
  const log = deps.log.child({ ns: 'lobby' });
  const nsp = io.of('/lobby') as unknown as LobbyNamespace;

  nsp.on('connection', (socket) => {
    metrics.sockets.inc({ namespace: '/lobby' });
    socket.on('disconnect', () => metrics.sockets.dec({ namespace: '/lobby' }));
    registerEvents(socket, lobbyEvents, { store, socket, metrics, log, buckets: socketBuckets(config) });
  });

  const notify = (roomId: string) => {
    store.snapshot(roomId).then(
      (snap) => nsp.to(watchRoom(roomId)).emit('lobby:room', lobbyView(roomId, snap)),
      (err: unknown) => log.warn({ err, room: roomId }, 'lobby update failed'),
    );
  };
  return { nsp, notify };
}
