/** `/lobby`: peek at a room before joining, watch it change, or ask to join it. */
import type { Server, Socket } from 'socket.io';
import type { LobbyClientToServer, LobbyRoom, LobbyServerToClient } from '../protocol/events';
import { AppError } from '../protocol/errors';
import { lobbyKnock, lobbyRoom, lobbyWithdraw } from '../protocol/schemas';
import { banKey, newKnockId } from '../rooms/codes';
import type { RoomSnapshot, RoomStore } from '../rooms/store';
import { refusal } from './admission';
import { onePerConnection } from './connections';
import { clientAddress, type RealtimeDeps, type RoomNamespace, type SubscribedFn, watchRoom } from './context';
import { registerEvents, socketBuckets, type EventContext, type EventTable } from './handler';
import { issueTicket, KNOCK_WAIT_MS, knockRoom, type LobbyNamespace, tellHosts } from './knocks';
import { localLimits, type AddressLimiter } from './limits';

export type { LobbyNamespace } from './knocks';

const MAX_WATCHES = 8;
/** Knocks one lobby socket may have waiting at once. */
const MAX_KNOCKS = 4;

export function lobbyView(roomId: string, snap: RoomSnapshot | null): LobbyRoom {
  return {
    id: roomId,
    count: snap?.members.length ?? 0,
    names: snap?.members.map((m) => m.name) ?? [],
    locked: snap?.locked ?? false,
    password: snap?.hasPassword ?? false,
    ...(snap?.askToJoin ? { askToJoin: true as const } : {}),
  };
}

interface LobbyEventContext extends EventContext {
  store: RoomStore;
  socket: Socket<LobbyClientToServer, LobbyServerToClient>;
  subscribed: SubscribedFn;
  /** The client's address, and its budget of peeks (shared with its other sockets, and replicas). */
  address: string;
  peeks: AddressLimiter;
  secret: string;
  /** `/room`, whose hosts and co-hosts hear about knocks. */
  rooms: () => RoomNamespace;
  /** This socket's knocks, `room\nid`, given up when it disconnects. */
  knocks: Set<string>;
}

/** Gives up a waiting knock and, when there was one, tells the room's hosts. */
async function withdraw(ctx: LobbyEventContext, room: string, id: string): Promise<void> {
  ctx.knocks.delete(`${room}\n${id}`);
  await ctx.socket.leave(knockRoom(room, id));
  if (await ctx.store.withdrawKnock(room, id)) await tellHosts(ctx.rooms(), ctx.store, room);
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
  'lobby:knock': {
    schema: lobbyKnock,
    bucket: 'event',
    run: async ({ room, name, id }, ctx) => {
      const { store, socket } = ctx;
      const knock = id ?? newKnockId();
      const key = `${room}\n${knock}`;
      if (!ctx.knocks.has(key) && ctx.knocks.size >= MAX_KNOCKS) {
        throw new AppError('RATE_LIMITED', `At most ${MAX_KNOCKS} requests to join can wait at once.`);
      }
      // Hear the answer before asking, so that none falls between the two.
      await socket.join(knockRoom(room, knock));
      await ctx.subscribed(socket.nsp.name, [knockRoom(room, knock)]);
      const now = Date.now();
      const identity = `${ctx.address}|${banKey(name)}`;
      const r = await store.knock({ roomId: room, id: knock, name, identity, now, expiresAt: now + KNOCK_WAIT_MS });
      if (!r.ok || r.state !== 'waiting') {
        ctx.knocks.delete(key);
        await socket.leave(knockRoom(room, knock));
      } else {
        ctx.knocks.add(key);
      }
      if (!r.ok) throw new AppError(r.code);
      if (r.changed) await tellHosts(ctx.rooms(), store, room);
      return {
        knock: { id: knock, state: r.state, ...(r.state === 'admitted' ? { ticket: issueTicket(ctx.secret, room, knock, name) } : {}) },
      };
    },
  },
  'lobby:withdraw': {
    schema: lobbyWithdraw,
    bucket: 'event',
    run: async ({ room, id }, ctx) => {
      if (!ctx.knocks.has(`${room}\n${id}`)) throw new AppError('NOT_IN_ROOM', 'There is no such request to join.');
      await withdraw(ctx, room, id);
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
    const ctx: LobbyEventContext = {
      store,
      socket,
      metrics,
      log,
      buckets: socketBuckets(config),
      address,
      peeks: limits.peeks,
      subscribed,
      secret: config.secret,
      rooms: () => io.of('/room') as unknown as RoomNamespace,
      knocks: new Set(),
    };
    registerEvents(socket, lobbyEvents, ctx);
    // A knocker who goes away stops knocking (it knocks again when it comes back).
    socket.on('disconnect', () => {
      for (const key of [...ctx.knocks]) {
        const [room, id] = key.split('\n');
        withdraw(ctx, room, id).catch((err: unknown) => log.warn({ err, room }, 'withdrawing a knock failed'));
      }
    });
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
