/** What a participant in `/room` may send: one entry per event of `RoomClientToServer`. */
import { iceServersFor } from '../ice/ice';
import type { ChatMessage, RoomClientToServer, SignalIn } from '../protocol/events';
import { AppError } from '../protocol/errors';
import * as S from '../protocol/schemas';
import { newMessageId } from '../rooms/codes';
import { handQueue, runsMeeting, type Settings, type SettingsPatch, wireSettings } from '../rooms/store';
import { instanceOf, meetingRoom, peerRoom, type RoomServices, type RoomSocket } from './context';
import type { EventContext, EventTable } from './handler';
import { breakoutEvents } from './breakouts';
import { answerKnockers, type LobbyNamespace, tellHosts } from './knocks';

export interface RoomEventContext extends EventContext {
  svc: RoomServices;
  socket: RoomSocket;
}

const others = ({ socket }: RoomEventContext) => socket.to(meetingRoom(socket.data.roomId));

/** Host or co-host: admits or denies knocks, tells the knockers, and the hosts the list that is left. */
async function answer(
  { svc, socket, log }: Pick<RoomEventContext, 'svc' | 'socket' | 'log'>,
  ids: string[] | 'all',
  admit: boolean,
): Promise<number> {
  const { roomId, peerId } = socket.data;
  const r = await svc.store.answerKnocks(roomId, peerId, ids, admit, Date.now());
  if (!r.ok) throw new AppError(r.code, r.code === 'NOT_IN_ROOM' ? 'Nobody is asking to join under that request.' : undefined);
  if (r.answered.length === 0) return 0;
  answerKnockers(svc.nsp.server.of('/lobby') as unknown as LobbyNamespace, svc.config.secret, roomId, r.answered, admit);
  await tellHosts(svc.nsp, svc.store, roomId);
  log.info({ count: r.answered.length, admit }, admit ? 'knocks admitted' : 'knocks denied');
  return r.answered.length;
}

/** Tells `to` the room's hand queue as the store has it now. */
async function sendHands({ svc, socket }: RoomEventContext, to: ReturnType<typeof others>): Promise<void> {
  const snap = await svc.store.snapshot(socket.data.roomId);
  if (snap) to.emit('room:hands', { queue: handQueue(snap.members) });
}

/** Host or co-host: changes some settings, tells everyone all of them, and the lobby the lock. */
async function changeSettings(patch: SettingsPatch, { svc, socket, log }: RoomEventContext): Promise<Settings> {
  const { roomId, peerId } = socket.data;
  const r = await svc.store.setSettings(roomId, peerId, patch);
  if (!r.ok) throw new AppError(r.code);
  svc.nsp.to(meetingRoom(roomId)).emit('room:updated', wireSettings(r.settings, patch));
  if (patch.locked !== undefined || patch.askToJoin !== undefined) svc.notifyLobby(roomId);
  // Nobody has to ask any more: whoever was asking comes in.
  if (patch.askToJoin === false) await answer({ svc, socket, log }, 'all', true);
  log.info({ ...patch }, 'room settings changed');
  return r.settings;
}

export const roomEvents = {
  signal: {
    schema: S.signal,
    bulky: true,
    bucket: 'signal',
    run: async (msg, ctx) => {
      const { svc, socket } = ctx;
      const { roomId, peerId } = socket.data;
      if (msg.to === peerId) throw new AppError('BAD_REQUEST', 'A signal cannot be sent to oneself.');
      const owner = await svc.store.locate(roomId, msg.to);
      if (owner === null) throw new AppError('NOT_IN_ROOM');
      const out: SignalIn = { from: peerId };
      if (msg.description !== undefined) out.description = msg.description;
      if (msg.candidate !== undefined) out.candidate = msg.candidate;
      // A participant has one socket: when it is on this replica, deliver here and spare the cluster a publish
      // (and this replica reading its own message back from Redis). On another replica that presence names, send it
      // there directly; otherwise (away, or just moved) through the adapter, to whichever replica has it.
      const target = peerRoom(roomId, msg.to);
      const instance = owner && instanceOf(owner);
      if (svc.nsp.adapter.rooms.has(target)) svc.nsp.local.to(target).emit('signal', out);
      else if (svc.relay && instance && instance !== svc.instance) svc.relay.send(instance, target, ['signal', out]);
      else svc.nsp.to(target).emit('signal', out);
      svc.metrics.signals.inc();
    },
  },

  media: {
    schema: S.media,
    bucket: 'event',
    run: async (media, ctx) => {
      const { roomId, peerId } = ctx.socket.data;
      const r = await ctx.svc.store.updatePeer(roomId, peerId, { media });
      if (!r.ok) throw new AppError(r.code, r.code === 'NOT_HOST' ? 'Only hosts can share their screen now.' : undefined);
      others(ctx).emit('peer:updated', { id: peerId, media });
    },
  },

  hand: {
    schema: S.hand,
    bucket: 'event',
    run: async ({ raised }, ctx) => {
      const { roomId, peerId } = ctx.socket.data;
      const r = await ctx.svc.store.updatePeer(roomId, peerId, { hand: raised });
      if (!r.ok) throw new AppError(r.code);
      others(ctx).emit('peer:updated', { id: peerId, hand: raised });
      // Not to the sender, who gets nothing back for its own change: its hand went to the end of the queue, or out.
      await sendHands(ctx, others(ctx));
    },
  },

  recording: {
    schema: S.recording,
    bucket: 'event',
    run: async ({ on }, ctx) => {
      const { roomId, peerId } = ctx.socket.data;
      const r = await ctx.svc.store.updatePeer(roomId, peerId, { recording: on });
      if (!r.ok) throw new AppError(r.code);
      others(ctx).emit('peer:updated', { id: peerId, recording: on });
      ctx.log.info({ recording: on }, on ? 'recording started' : 'recording stopped');
    },
  },

  'chat:send': {
    schema: S.chatSend,
    bulky: true,
    bucket: 'event',
    run: async ({ text }, ctx) => {
      const { svc, socket } = ctx;
      const { roomId, peerId, name } = socket.data;
      const message: ChatMessage = { id: newMessageId(), from: peerId, name, text, ts: Date.now() };
      // Stored before it is acknowledged or delivered.
      const r = await svc.store.addChat(roomId, message, svc.config.chatHistory);
      if (!r.ok) throw new AppError(r.code, r.code === 'NOT_HOST' ? 'Only hosts can send messages now.' : undefined);
      others(ctx).emit('chat:message', message);
      svc.metrics.chat.inc();
      return { message };
    },
  },

  'room:leave': {
    schema: null,
    bucket: 'event',
    run: async (_none, { svc, socket }) => {
      const { roomId, peerId, sid } = socket.data;
      socket.data.gone = true;
      const removal = await svc.store.leave({ roomId, peerId, sid });
      if (removal) svc.announce(removal);
      // Let the ack go out first; then close.
      setImmediate(() => socket.disconnect(true));
    },
  },

  'host:lock': {
    schema: S.hostLock,
    bucket: 'event',
    run: async ({ locked }, ctx) => {
      await changeSettings({ locked }, ctx);
    },
  },

  'host:settings': {
    schema: S.hostSettings,
    bucket: 'event',
    run: async (patch, ctx) => ({ settings: await changeSettings(patch, ctx) }),
  },

  'host:cohost': {
    schema: S.hostCohost,
    bucket: 'event',
    run: async ({ id, cohost }, { svc, socket, log }) => {
      const { roomId, peerId } = socket.data;
      const r = await svc.store.setCohost(roomId, peerId, id, cohost);
      if (!r.ok) throw new AppError(r.code, r.code === 'NOT_HOST' ? 'Only the host can choose co-hosts.' : undefined);
      svc.nsp.to(meetingRoom(roomId)).emit('peer:updated', { id, cohost });
      // A new co-host sees who is asking to join.
      if (cohost) await tellHosts(svc.nsp, svc.store, roomId, id);
      log.info({ target: id, cohost }, 'co-host changed');
    },
  },

  'host:lower-hand': {
    schema: S.hostTarget,
    bucket: 'event',
    run: async ({ id }, ctx) => {
      const { svc, socket } = ctx;
      const { roomId, peerId } = socket.data;
      const r = await svc.store.lowerHand(roomId, peerId, id);
      if (!r.ok) throw new AppError(r.code);
      svc.nsp.to(meetingRoom(roomId)).emit('peer:updated', { id, hand: false });
      await sendHands(ctx, svc.nsp.to(meetingRoom(roomId)));
    },
  },

  'host:mute-all': {
    schema: null,
    bucket: 'event',
    run: async (_none, { svc, socket, log }) => {
      const { roomId, peerId } = socket.data;
      const r = await svc.store.checkHostOver(roomId, peerId);
      if (!r.ok) throw new AppError(r.code);
      // A request, as host:mute is: each participant's own client mutes. Those who run the meeting are not asked.
      const asked = r.members.filter((m) => !runsMeeting(m)).map((m) => peerRoom(roomId, m.id));
      if (asked.length > 0) svc.nsp.to(asked).emit('media:mute-request', { by: peerId });
      log.info({ asked: asked.length }, 'mute all');
    },
  },

  'host:admit': {
    schema: S.hostAdmit,
    bucket: 'event',
    run: async (msg, ctx) => ({ admitted: await answer(ctx, 'all' in msg ? 'all' : [msg.id], true) }),
  },

  'host:deny': {
    schema: S.hostDeny,
    bucket: 'event',
    run: async ({ id }, ctx) => {
      await answer(ctx, [id], false);
    },
  },

  ...breakoutEvents,

  reaction: {
    schema: S.reaction,
    bucket: 'reaction',
    run: async ({ emoji }, ctx) => {
      const { roomId, peerId } = ctx.socket.data;
      // Shown for a moment and never stored: only a participant the room still holds may send one.
      if (!(await ctx.svc.store.isMember(roomId, peerId))) throw new AppError('NOT_IN_ROOM', 'You are not in this meeting.');
      others(ctx).emit('peer:reaction', { id: peerId, emoji });
    },
  },

  'host:kick': {
    schema: S.hostTarget,
    bucket: 'event',
    run: async ({ id }, { svc, socket }) => {
      const { roomId, peerId } = socket.data;
      const r = await svc.store.kick(roomId, peerId, id);
      if (!r.ok) throw new AppError(r.code);
      const target = peerRoom(roomId, id);
      svc.nsp.to(target).emit('room:kicked', { by: peerId });
      svc.nsp.in(target).disconnectSockets(true);
      svc.announce(r.removal);
    },
  },

  'host:mute': {
    schema: S.hostTarget,
    bucket: 'event',
    run: async ({ id }, { svc, socket }) => {
      const { roomId, peerId } = socket.data;
      const r = await svc.store.checkHostOver(roomId, peerId, id);
      if (!r.ok) throw new AppError(r.code);
      svc.nsp.to(peerRoom(roomId, id)).emit('media:mute-request', { by: peerId });
    },
  },

  'ice:refresh': {
    schema: null,
    bucket: 'ice',
    run: async (_none, { svc, socket }) => {
      const { roomId, peerId } = socket.data;
      // Only a participant the room still holds: a socket whose place is gone gets no new credentials.
      if (!(await svc.store.isMember(roomId, peerId))) throw new AppError('NOT_IN_ROOM', 'You are not in this meeting.');
      return { iceServers: iceServersFor(svc.config, peerId) };
    },
  },
} satisfies EventTable<RoomClientToServer, RoomEventContext>;
