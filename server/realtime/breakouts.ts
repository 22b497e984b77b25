/**
 * Breakout rooms (docs/protocol.md, "Breakout rooms"): a host or co-host sends participants of the main room to
 * ordinary rooms with random ids, talks to all of them, and brings everyone back. The plan lives in the main room's
 * state; each breakout room knows its main room (set from the ticket of whoever opens it).
 */
import type { Breakouts, PeerId, RoomClientToServer } from '../protocol/events';
import { AppError } from '../protocol/errors';
import * as S from '../protocol/schemas';
import { newRoomCode } from '../rooms/codes';
import { runsMeeting } from '../rooms/store';
import { meetingRoom, peerRoom, type RoomServices } from './context';
import type { EventTable } from './handler';
import { issueTicket, returnTicket } from './knocks';
import type { RoomEventContext } from './room-events';

type BreakoutEvents = Pick<RoomClientToServer, 'host:breakouts-open' | 'host:breakouts-message' | 'host:breakouts-close' | 'breakout:help'>;

/** Timers of the breakout rooms this replica opened, per replica (several may share a process in tests). */
const timers = new WeakMap<RoomServices, Map<string, ReturnType<typeof setTimeout>>>();

function timersOf(svc: RoomServices): Map<string, ReturnType<typeof setTimeout>> {
  let map = timers.get(svc);
  if (!map) {
    map = new Map();
    timers.set(svc, map);
  }
  return map;
}

/** Closes a main room's breakout rooms (by `by`, or by the timer of `opened`) and brings everyone back. */
async function close(svc: RoomServices, roomId: string, by: PeerId | null, opened?: Breakouts): Promise<void> {
  const r = await svc.store.closeBreakouts(roomId, by, opened);
  if (!r.ok) throw new AppError(r.code);
  const map = timersOf(svc);
  clearTimeout(map.get(roomId));
  map.delete(roomId);
  if (!r.closed) return;
  for (const room of r.closed.rooms) {
    // Anyone in the breakout room comes back, past the lock and "ask to join" of the main room.
    svc.nsp.to(meetingRoom(room.id)).emit('breakout:return', { room: roomId, ticket: returnTicket(svc.config.secret, roomId, room.id) });
  }
  svc.nsp.to(meetingRoom(roomId)).emit('room:breakouts', { breakouts: null });
  svc.log.info({ room: roomId, rooms: r.closed.rooms.length, by: by ?? 'timer' }, 'breakout rooms closed');
}

export const breakoutEvents = {
  'host:breakouts-open': {
    schema: S.breakoutsOpen,
    bucket: 'event',
    run: async ({ rooms, assign, minutes }, { svc, socket, log }) => {
      const { roomId, peerId } = socket.data;
      const snap = await svc.store.snapshot(roomId);
      const self = snap?.members.find((m) => m.id === peerId);
      if (!snap || !self) throw new AppError('NOT_IN_ROOM', 'You are not in this meeting.');
      if (!runsMeeting(self)) throw new AppError('NOT_HOST');
      if (snap.parent) throw new AppError('BAD_REQUEST', 'A breakout room has no breakout rooms of its own.');
      const names = new Map(snap.members.map((m) => [m.id, m.name]));
      const plan: Breakouts = {
        rooms: rooms.map((name) => ({ id: newRoomCode(), name, members: [] })),
        endsAt: minutes ? Date.now() + minutes * 60_000 : 0,
      };
      const sent = Object.entries(assign);
      for (const [id, index] of sent) {
        const name = names.get(id);
        if (name === undefined) throw new AppError('NOT_IN_ROOM');
        plan.rooms[index].members.push(name);
      }
      const r = await svc.store.openBreakouts(
        roomId,
        peerId,
        plan,
        sent.map(([id]) => id),
      );
      if (!r.ok) {
        throw new AppError(
          r.code,
          r.code === 'BAD_REQUEST' ? 'Breakout rooms are open already, or a host or co-host was sent to one.' : undefined,
        );
      }
      for (const [id, index] of sent) {
        const room = plan.rooms[index];
        const ticket = issueTicket(svc.config.secret, room.id, `b:${roomId}`, names.get(id) as string);
        svc.nsp.to(peerRoom(roomId, id)).emit('breakout:move', { room: room.id, name: room.name, ticket, endsAt: plan.endsAt });
      }
      svc.nsp.to(meetingRoom(roomId)).emit('room:breakouts', { breakouts: plan });
      if (plan.endsAt > 0) {
        const timer = setTimeout(() => {
          close(svc, roomId, null, plan).catch((err: unknown) => svc.log.warn({ err, room: roomId }, 'closing breakout rooms failed'));
        }, plan.endsAt - Date.now());
        timer.unref();
        timersOf(svc).set(roomId, timer);
      }
      log.info({ rooms: plan.rooms.length, sent: sent.length, minutes }, 'breakout rooms opened');
      return { breakouts: plan };
    },
  },

  'host:breakouts-message': {
    schema: S.breakoutsMessage,
    bucket: 'event',
    run: async ({ text }, { svc, socket }) => {
      const { roomId, peerId, name } = socket.data;
      const r = await svc.store.checkHostOver(roomId, peerId);
      if (!r.ok) throw new AppError(r.code);
      const plan = (await svc.store.snapshot(roomId))?.breakouts;
      if (!plan) throw new AppError('BAD_REQUEST', 'No breakout rooms are open.');
      for (const room of plan.rooms) svc.nsp.to(meetingRoom(room.id)).emit('breakout:message', { text, from: name });
    },
  },

  'host:breakouts-close': {
    schema: null,
    bucket: 'event',
    run: async (_none, { svc, socket }) => {
      await close(svc, socket.data.roomId, socket.data.peerId);
    },
  },

  'breakout:help': {
    schema: null,
    bucket: 'event',
    run: async (_none, { svc, socket }) => {
      const { roomId, name } = socket.data;
      const snap = await svc.store.snapshot(roomId);
      if (!snap?.parent) throw new AppError('BAD_REQUEST', 'This is not a breakout room.');
      const main = await svc.store.snapshot(snap.parent);
      const room = main?.breakouts?.rooms.find((r) => r.id === roomId);
      if (!main || !room) throw new AppError('BAD_REQUEST', 'The breakout rooms of this meeting are closed.');
      const hosts = main.members.filter(runsMeeting).map((m) => peerRoom(main.id, m.id));
      if (hosts.length > 0) svc.nsp.to(hosts).emit('breakout:help', { room: room.name, name });
    },
  },
} satisfies EventTable<BreakoutEvents, RoomEventContext>;
