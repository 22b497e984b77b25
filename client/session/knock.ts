/**
 * Asking to join a room that asks (see docs/protocol.md, "Ask to join"): knocks on `/lobby`, keeps the knock alive
 * while it waits, and hears the answer. Knocking again with the same id after a dropped connection picks up an answer
 * given meanwhile.
 */
import { io, type Socket } from 'socket.io-client';
import type { ErrorCode, KnockStatus, LobbyClientToServer, LobbyServerToClient } from '../../server/protocol/events';

/** How often a waiting knock is renewed (the server forgets one not renewed within 30 s). */
const RENEW_MS = 10_000;

export interface KnockHandlers {
  /** A host or co-host let us in: join with this ticket. */
  admitted(ticket: string): void;
  /** The room does not ask (any more): join directly. */
  open(): void;
  denied(): void;
  /** The knock was refused (DENIED, ROOM_LOCKED, BANNED, ...). */
  refused(code: ErrorCode, message: string): void;
}

export class Knocker {
  private readonly socket: Socket<LobbyServerToClient, LobbyClientToServer>;
  private id: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private done = false;

  constructor(
    private readonly room: string,
    private readonly name: string,
    private readonly handlers: KnockHandlers,
  ) {
    this.socket = io('/lobby', { forceNew: true, reconnectionDelayMax: 5000 });
    this.socket.on('connect', () => this.knock());
    this.socket.on('lobby:admitted', (m) => {
      if (m.room === this.room && m.id === this.id) this.finish(() => this.handlers.admitted(m.ticket));
    });
    this.socket.on('lobby:denied', (m) => {
      if (m.room === this.room && m.id === this.id) this.finish(() => this.handlers.denied());
    });
    this.timer = setInterval(() => this.knock(), RENEW_MS);
  }

  /** Gives up asking. */
  cancel(): void {
    if (this.done) return;
    const id = this.id;
    this.done = true;
    clearInterval(this.timer);
    if (id && this.socket.connected) this.socket.emit('lobby:withdraw', { room: this.room, id }, () => this.socket.disconnect());
    else this.socket.disconnect();
  }

  private knock(): void {
    if (this.done || !this.socket.connected) return;
    this.socket.emit('lobby:knock', { room: this.room, name: this.name, ...(this.id ? { id: this.id } : {}) }, (reply) => {
      if (this.done) return;
      if (!reply.ok) {
        this.finish(() => this.handlers.refused(reply.error.code, reply.error.message));
        return;
      }
      this.answer(reply.knock);
    });
  }

  private answer(k: KnockStatus): void {
    this.id = k.id;
    if (k.state === 'admitted' && k.ticket) this.finish(() => this.handlers.admitted(k.ticket as string));
    else if (k.state === 'denied') this.finish(() => this.handlers.denied());
    else if (k.state === 'open') this.finish(() => this.handlers.open());
  }

  private finish(then: () => void): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    this.socket.disconnect();
    then();
  }
}
