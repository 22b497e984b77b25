/**
 * The signaling session of one participant: the `/room` socket, its resume token and reconnection.
 * A dropped socket comes back by itself with `auth.resume`; the fresh welcome tells the rest.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  Breakouts,
  ChatMessage,
  ErrorBody,
  ErrorCode,
  IceServer,
  Knock,
  LeaveReason,
  Media,
  Peer,
  PeerId,
  Reaction,
  RoomAuth,
  RoomClientToServer,
  RoomServerToClient,
  RoomSettings,
  SignalIn,
  SignalOut,
  Welcome,
} from '../../server/protocol/events';
import { RECONNECT_DELAY_MAX_MS } from '../../server/protocol/limits';
import { Emitter } from '../shared/emitter';
import { errorCode } from '../shared/errors';
import { jittered } from '../shared/stats';
import { retryableTransport, retryDelay } from './backoff';

export type SessionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

interface SessionEvents {
  welcome: Welcome;
  joined: Peer;
  left: { id: PeerId; reason: LeaveReason };
  updated: { id: PeerId } & Partial<Omit<Peer, 'id'>>;
  signal: SignalIn;
  chat: ChatMessage;
  /** The room's settings changed; a field left out is unchanged. */
  settings: RoomSettings;
  /** The raised hands in the order they went up (never sent for our own change). */
  hands: PeerId[];
  reaction: { id: PeerId; emoji: Reaction };
  /** To hosts and co-hosts: who is asking to join, oldest first. */
  knocks: Knock[];
  /** In the main room: the meeting's breakout rooms, or `null` once they closed. */
  breakouts: Breakouts | null;
  /** Go to a breakout room (`name` is the room's name). */
  'breakout-move': { room: string; name: string; ticket: string; endsAt: number };
  /** In a breakout room: a message from the meeting's hosts. */
  'breakout-message': { text: string; from: string };
  /** In a breakout room: the rooms closed; back to the main room `room`. */
  'breakout-return': { room: string; ticket: string };
  /** To hosts and co-hosts: someone in breakout room `room` (its name) asks for help. */
  'breakout-help': { room: string; name: string };
  /** The server refused a media update (e.g. turning the screen on while only hosts may share); nothing changed. */
  'media-refused': ErrorBody;
  kicked: void;
  'mute-request': { by: PeerId };
  status: SessionStatus;
  /** The server refused us (before the first welcome, or when coming back failed for good). */
  refused: { code: ErrorCode | null; error: unknown };
  /** Before the first welcome: the service is briefly out of reach; the next attempt comes by itself. */
  waiting: { error: unknown };
}

type RoomSocket = Socket<RoomServerToClient, RoomClientToServer>;

export class RoomSession extends Emitter<SessionEvents> {
  private socket: RoomSocket | null = null;
  private resume: string | undefined;
  private welcomed = false;
  private ended = false;
  private retriedFresh = false;
  /** Consecutive retryable refusals while coming back (the room state briefly out of the server's reach). */
  private retries = 0;
  private offOnline: (() => void) | null = null;

  constructor(private readonly auth: Omit<RoomAuth, 'resume'>) {
    super();
  }

  get connected(): boolean {
    return !!this.socket?.connected;
  }

  connect(): void {
    this.ended = false;
    const socket: RoomSocket = io('/room', {
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 500,
      // Jitter included (socket.io caps the randomised delay): the server keeps places at least this long.
      reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
      // Read at every (re)connection attempt, so a reconnect always presents the latest resume token.
      auth: (cb) => cb(this.handshake()),
    });
    this.socket = socket;
    this.emit('status', 'connecting');

    socket.on('connect', () => this.emit('status', 'connected'));
    // The network is back: come back now rather than at the next step of the reconnection back-off, so that the
    // place (kept for the grace period) is still ours.
    const online = () => {
      if (this.ended || socket.connected || !this.welcomed) return;
      socket.disconnect();
      socket.connect();
    };
    window.addEventListener('online', online);
    this.offOnline?.();
    this.offOnline = () => window.removeEventListener('online', online);
    socket.on('disconnect', (reason) => {
      if (this.ended) return;
      this.emit('status', 'reconnecting');
      // The server closed us without a kick (for example, a replica going away): come back ourselves.
      if (reason === 'io server disconnect') setTimeout(() => !this.ended && socket.connect(), jittered(300, Math.random(), 700));
    });
    socket.on('connect_error', (err) => this.onConnectError(socket, err));
    socket.on('room:welcome', (w) => {
      this.resume = w.resume;
      this.welcomed = true;
      this.retriedFresh = false;
      this.retries = 0;
      this.emit('welcome', w);
    });
    socket.on('room:resume', ({ resume }) => {
      if (typeof resume === 'string') this.resume = resume;
    });
    socket.on('peer:joined', (p) => this.emit('joined', p));
    socket.on('peer:left', (m) => this.emit('left', m));
    socket.on('peer:updated', (m) => this.emit('updated', m));
    socket.on('signal', (m) => this.emit('signal', m));
    socket.on('chat:message', (m) => this.emit('chat', m));
    socket.on('room:updated', (m) => this.emit('settings', m));
    socket.on('room:hands', (m) => this.emit('hands', Array.isArray(m?.queue) ? m.queue : []));
    socket.on('peer:reaction', (m) => this.emit('reaction', m));
    socket.on('room:knocks', (m) => this.emit('knocks', Array.isArray(m?.knocks) ? m.knocks : []));
    socket.on('media:mute-request', (m) => this.emit('mute-request', m));
    socket.on('room:breakouts', (m) => this.emit('breakouts', m?.breakouts && Array.isArray(m.breakouts.rooms) ? m.breakouts : null));
    socket.on('breakout:move', (m) => {
      if (typeof m?.room === 'string' && typeof m.ticket === 'string') {
        this.emit('breakout-move', { room: m.room, name: String(m.name ?? ''), ticket: m.ticket, endsAt: Number(m.endsAt) || 0 });
      }
    });
    socket.on('breakout:message', (m) => {
      if (typeof m?.text === 'string') this.emit('breakout-message', { text: m.text, from: String(m.from ?? '') });
    });
    socket.on('breakout:return', (m) => {
      if (typeof m?.room === 'string' && typeof m.ticket === 'string') this.emit('breakout-return', { room: m.room, ticket: m.ticket });
    });
    socket.on('breakout:help', (m) => {
      if (typeof m?.name === 'string') this.emit('breakout-help', { room: String(m.room ?? ''), name: m.name });
    });
    socket.on('room:kicked', () => {
      this.ended = true;
      this.emit('kicked', undefined);
      socket.disconnect();
      this.emit('status', 'closed');
    });
    socket.on('server:draining', ({ reconnectInMs }) => {
      // Move to another replica: the resume token keeps our place, peers keep their media.
      setTimeout(
        () => {
          if (this.ended || !socket.connected) return;
          socket.disconnect();
          socket.connect();
          this.emit('status', 'reconnecting');
        },
        jittered(Number(reconnectInMs) || 0, Math.random()),
      );
    });
  }

  signal(msg: SignalOut): void {
    this.socket?.emit('signal', msg);
  }

  media(media: Media): void {
    this.socket?.emit('media', media, (reply) => {
      if (!reply.ok) this.emit('media-refused', reply.error);
    });
  }

  hand(raised: boolean): void {
    this.socket?.emit('hand', { raised });
  }

  /** Tells everyone that we record (or stopped); resolves once the server took it. */
  async recording(on: boolean): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('recording', { on });
    if (!reply.ok) throw reply.error;
  }

  async chat(text: string): Promise<ChatMessage> {
    const socket = this.socket;
    if (!socket?.connected) throw new Error('offline');
    const reply = await socket.timeout(10000).emitWithAck('chat:send', { text });
    if (!reply.ok) throw reply.error;
    return reply.message;
  }

  /** Fresh STUN/TURN servers (new TURN credentials) for this participant. */
  async refreshIce(): Promise<IceServer[]> {
    const socket = this.socket;
    if (!socket?.connected) throw new Error('offline');
    const reply = await socket.timeout(10000).emitWithAck('ice:refresh');
    if (!reply.ok) throw reply.error;
    return reply.iceServers;
  }

  lock(locked: boolean): void {
    this.socket?.emit('host:lock', { locked });
  }

  kick(id: PeerId): void {
    this.socket?.emit('host:kick', { id });
  }

  askToMute(id: PeerId): void {
    this.socket?.emit('host:mute', { id });
  }

  /** Host only: makes `id` a co-host, or not. */
  async setCohost(id: PeerId, cohost: boolean): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:cohost', { id, cohost });
    if (!reply.ok) throw reply.error;
  }

  /** Host or co-host: changes some of the room's settings (everyone, us too, gets `room:updated`). */
  async changeSettings(patch: Partial<RoomSettings>): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:settings', patch);
    if (!reply.ok) throw reply.error;
  }

  /** Host or co-host: asks everyone but the hosts and co-hosts to mute. */
  async muteAll(): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:mute-all');
    if (!reply.ok) throw reply.error;
  }

  /** Host or co-host: lowers someone's raised hand. */
  async lowerHand(id: PeerId): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:lower-hand', { id });
    if (!reply.ok) throw reply.error;
  }

  /** Host or co-host: lets one knock in, or everyone who is asking. */
  async admit(which: { id: string } | { all: true }): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:admit', which);
    if (!reply.ok) throw reply.error;
  }

  /** Host or co-host: turns a knock away. */
  async deny(id: string): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:deny', { id });
    if (!reply.ok) throw reply.error;
  }

  /** Host or co-host, in the main room: opens breakout rooms and sends the assigned participants there. */
  async openBreakouts(plan: { rooms: string[]; assign: Record<PeerId, number>; minutes?: number }): Promise<Breakouts> {
    const reply = await this.live().timeout(10000).emitWithAck('host:breakouts-open', plan);
    if (!reply.ok) throw reply.error;
    return reply.breakouts;
  }

  /** Host or co-host: a message to every open breakout room. */
  async messageBreakouts(text: string): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:breakouts-message', { text });
    if (!reply.ok) throw reply.error;
  }

  /** Host or co-host: closes the breakout rooms and brings everyone back (nothing open: no harm done). */
  async closeBreakouts(): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('host:breakouts-close');
    if (!reply.ok) throw reply.error;
  }

  /** In a breakout room: tells the meeting's hosts and co-hosts that we would like help. */
  async askForHelp(): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('breakout:help');
    if (!reply.ok) throw reply.error;
  }

  /** Sends a reaction to the others; resolves once the server relayed it. */
  async react(emoji: Reaction): Promise<void> {
    const reply = await this.live().timeout(10000).emitWithAck('reaction', { emoji });
    if (!reply.ok) throw reply.error;
  }

  /** Leaves for good: the others see us go at once. */
  leave(): Promise<void> {
    const socket = this.socket;
    this.ended = true;
    this.offOnline?.();
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.disconnect();
        this.emit('status', 'closed');
        resolve();
      };
      if (!socket.connected) return done();
      socket.timeout(1500).emit('room:leave', () => done());
    });
  }

  /** Closes the socket without telling anyone (the page is going away; the grace period applies). */
  close(): void {
    this.ended = true;
    this.offOnline?.();
    this.socket?.disconnect();
  }

  private live(): RoomSocket {
    const socket = this.socket;
    if (!socket?.connected) throw new Error('offline');
    return socket;
  }

  private handshake(): RoomAuth {
    const auth: RoomAuth = { room: this.auth.room, name: this.auth.name };
    if (this.auth.password) auth.password = this.auth.password;
    if (this.resume) auth.resume = this.resume;
    // Let in by a host: the ticket serves the first join only; from the welcome on the resume token does.
    else if (this.auth.admit) auth.admit = this.auth.admit;
    return auth;
  }

  private onConnectError(socket: RoomSocket, err: Error & { data?: unknown }): void {
    if (this.ended) return;
    const code = errorCode(err);
    if (!code) {
      // Transport trouble. Once we were in, socket.io keeps retrying by itself. Before that, the same retries are
      // what a join needs while the service is briefly out of reach (the load balancer's 503 while no replica is
      // ready, a restart); anything else (e.g. 403) is a refusal.
      if (this.welcomed) return;
      if (retryableTransport(err)) {
        this.emit('waiting', { error: err });
        return;
      }
      this.ended = true;
      socket.disconnect();
      this.emit('refused', { code: null, error: err });
      return;
    }
    // A middleware refusal is final for this attempt; socket.io does not retry it.
    if (code === 'INTERNAL' && (err.data as { retryable?: unknown } | undefined)?.retryable === true) {
      // The server cannot reach the room state for a moment (e.g. Redis): a place of ours is still ours, keep the
      // token and try again shortly, backing off up to a few seconds. A first join waits the same way.
      const delay = retryDelay(this.retries++, Math.random());
      if (!this.welcomed) this.emit('waiting', { error: err });
      setTimeout(() => !this.ended && !socket.connected && socket.connect(), delay);
      return;
    }
    if (this.welcomed && this.resume && code !== 'BANNED' && !this.retriedFresh) {
      // Our place is gone (token refused): come back as a fresh participant.
      this.retriedFresh = true;
      this.resume = undefined;
      socket.connect();
      return;
    }
    this.ended = true;
    socket.disconnect();
    if (code === 'BANNED' && this.welcomed) this.emit('kicked', undefined);
    else this.emit('refused', { code, error: err });
    this.emit('status', 'closed');
  }
}
