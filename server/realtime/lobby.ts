/** `/lobby`: peek at a room before joining, or watch it change. */
import type { Namespace, Server } from 'socket.io';
import type { LobbyClientToServer, LobbyRoom, LobbyServerToClient } from '../protocol/events';
import { AppError } from '../protocol/errors';
import { lobbyRoom, parse } from '../protocol/schemas';
import type { RoomSnapshot } from '../rooms/store';
import { type RealtimeDeps, watchRoom } from './context';
import { on, refuseUnknown } from './handler';
import { TokenBucket } from './rate';

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

export function attachLobby(io: Server, deps: RealtimeDeps): { nsp: LobbyNamespace; notify: (roomId: string) => void } {
  const { store, metrics, config } = deps;
  const log = deps.log.child({ ns: 'lobby' });
  const nsp = io.of('/lobby') as unknown as LobbyNamespace;
  const known = new Set(['lobby:peek', 'lobby:watch']);

  nsp.on('connection', (socket) => {
    metrics.sockets.inc({ namespace: '/lobby' });
    socket.on('disconnect', () => metrics.sockets.dec({ namespace: '/lobby' }));
    const bucket = new TokenBucket(config.eventRate, config.eventBurst);
    refuseUnknown(socket, known, metrics, log);
    const peek = async (payload: unknown) => {
      const { room } = parse(lobbyRoom, payload);
      return { room: lobbyView(room, await store.snapshot(room)) };
    };
    on(socket, 'lobby:peek', { arity: 1, bucket, run: peek }, metrics, log);
    on(
      socket,
      'lobby:watch',
      {
        arity: 1,
        bucket,
        run: async (payload) => {
          const { room } = parse(lobbyRoom, payload);
          const watching = [...socket.rooms].filter((r) => r.startsWith('w:'));
          if (!watching.includes(watchRoom(room)) && watching.length >= MAX_WATCHES) {
            throw new AppError('RATE_LIMITED', `At most ${MAX_WATCHES} rooms can be watched at once.`);
          }
          // Join before reading, so that no change falls between the reply and the first update.
          await socket.join(watchRoom(room));
          return { room: lobbyView(room, await store.snapshot(room)) };
        },
      },
      metrics,
      log,
    );
  });

  const notify = (roomId: string) => {
    store.snapshot(roomId).then(
      (snap) => nsp.to(watchRoom(roomId)).emit('lobby:room', lobbyView(roomId, snap)),
      (err: unknown) => log.warn({ err, room: roomId }, 'lobby update failed'),
    );
  };
  return { nsp, notify };
}
