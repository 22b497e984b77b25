/** `/lobby`: peek at a room before joining, or watch it change. */
import type { Namespace, Server, Socket } from 'socket.io';
import type { LobbyClientToServer, LobbyRoom, LobbyServerToClient } from '../protocol/events';
import { AppError } from '../protocol/errors';
import { lobbyRoom } from '../protocol/schemas';
import type { RoomSnapshot, RoomStore } from '../rooms/store';
import { refusal } from './admission';
import { onePerConnection } from './connections';
import { clientAddress, type RealtimeDeps, type SubscribedFn, watchRoom } from './context';
import { registerEvents, socketBuckets, type EventContext, type EventTable } from './handler';
import { localLimits, type AddressLimiter } from './limits';

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
  subscribed: SubscribedFn;
  /** The client's address, and its budget of peeks (shared with its other sockets, and replicas). */
  address: string;
  peeks: AddressLimiter;
}

/** A peek that hits shows who is in the room: each costs one of the address's peek budget. */
async function spendPeek({ address, peeks }: LobbyEventContext): Promise<void> {
  if (!(await peeks.take(address))) throw new AppError('RATE_LIMITED', 'Too many rooms looked at; wait a moment.');
}

const lobbyEvents = {
  'lobby:peek': {
    schema: lobbyRoom,
    bucket: 'event',
    run: async ({ room }, ctx) => {
      await spendPeek(ctx);
      return { room: lobbyView(room, await ctx.store.snapshot(room)) };
    },
  },
  'lobby:watch': {
    schema: lobbyRoom,
    bucket: 'event',
    run: async ({ room }, ctx) => {
      const { store, socket } = ctx;
      await spendPeek(ctx);
      const watching = [...socket.rooms].filter((r) => r.startsWith('w:'));
      if (!watching.includes(watchRoom(room)) && watching.length >= MAX_WATCHES) {
        throw new AppError('RATE_LIMITED', `At most ${MAX_WATCHES} rooms can be watched at once.`);
      }
      // Join (and, in a cluster, hear the room's updates) before reading, so that no change falls between the reply
      // and the first update.
      await socket.join(watchRoom(room));
      await ctx.subscribed(socket.nsp.name, [watchRoom(room)]);
      return { room: lobbyView(room, await store.snapshot(room)) };
    },
  },
} satisfies EventTable<LobbyClientToServer, LobbyEventContext>;

export function attachLobby(io: Server, deps: RealtimeDeps): { nsp: LobbyNamespace; notify: (roomId: string) => void } {
  const { store, metrics, config } = deps;
  const log = deps.log.child({ ns: 'lobby' });
  const nsp = io.of('/lobby') as unknown as LobbyNamespace;
  const limits = deps.limits ?? localLimits(config);
  const subscribed = deps.subscribed ?? (async () => undefined);
  const watched = deps.watched ?? (async () => false);

  // A lobby socket costs a handshake from the address's budget, as a join does.
  nsp.use(
    onePerConnection('/lobby', (socket, next) => {
      const address = clientAddress(socket.handshake.headers, socket.handshake.address, config.trustProxy);
      limits.handshakes.take(address).then(
        (ok) => {
          if (!ok) metrics.refused.inc({ event: 'lobby', code: 'RATE_LIMITED' });
          next(ok ? undefined : refusal('RATE_LIMITED'));
        },
        () => next(refusal('INTERNAL', 'The meeting service is briefly unavailable; try again in a moment.', { retryable: true })),
      );
    }),
  );
  nsp.on('connection', (socket) => {
    metrics.sockets.inc({ namespace: '/lobby' });
    socket.on('disconnect', () => metrics.sockets.dec({ namespace: '/lobby' }));
    const address = clientAddress(socket.handshake.headers, socket.handshake.address, config.trustProxy);
    const ctx = { store, socket, metrics, log, buckets: socketBuckets(config), address, peeks: limits.peeks, subscribed };
    registerEvents(socket, lobbyEvents, ctx);
  });

  // A room's change is read and sent only when somebody watches it: most rooms have no watcher.
  const notify = (roomId: string) => {
    const room = watchRoom(roomId);
    (nsp.adapter.rooms.has(room) ? Promise.resolve(true) : watched(nsp.name, room))
      .then(async (someone) => {
        if (someone) nsp.to(room).emit('lobby:room', lobbyView(roomId, await store.snapshot(roomId)));
      })
      .catch((err: unknown) => log.warn({ err, room: roomId }, 'lobby update failed'));
  };
  return { nsp, notify };
}
