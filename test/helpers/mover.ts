/**
 * A participant through the load balancer that moves like the browser client when its replica drains: after the
 * notice's delay it drops its connection and comes back with its resume token and the cookie a browser would still
 * hold (the one naming the draining replica). It never retries: anything a user would notice is written down in
 * `faults` (a refused or failed connection, a peer leaving, a connection the server dropped, a new PeerId).
 */
import { io, type Socket } from 'socket.io-client';
import type { Welcome } from '../../server/protocol/events';

export type Transports = Array<'polling' | 'websocket'>;

export class Mover {
  socket: Socket | undefined;
  /** PeerId of the first welcome; every later welcome must repeat it. */
  self = '';
  resume = '';
  welcomes: number[] = [];
  notices: number[] = [];
  faults: string[] = [];

  private constructor(
    private readonly url: string,
    readonly auth: { room: string; name: string },
    /** The LB cookie (PARLEY_LB=...) to come back with when told to move: the draining replica's. */
    private readonly cookieOnNotice: () => string,
  ) {}

  /**
   * Joins through the LB with `cookie`; resolves once welcomed, or with the fault written down (never rejects).
   * Later moves go by WebSocket: one request, so the LB's choice of replica is the session's.
   */
  static async join(
    url: string,
    auth: { room: string; name: string },
    cookie: string,
    cookieOnNotice: () => string,
    transports: Transports = ['websocket'],
  ): Promise<Mover> {
    const m = new Mover(url, auth, cookieOnNotice);
    await m.open(cookie, transports);
    return m;
  }

  /** Welcomed after its last drain notice and still connected. */
  settled(): boolean {
    const last = this.notices.at(-1) ?? 0;
    return Boolean(this.socket?.connected) && this.welcomes.some((at) => at > last);
  }

  close(): void {
    this.socket?.close();
  }

  private open(cookie: string, transports: Transports): Promise<void> {
    const socket = io(`${this.url}/room`, {
      auth: this.resume ? { ...this.auth, resume: this.resume } : this.auth,
      transports,
      forceNew: true,
      reconnection: false,
      timeout: 10_000,
      extraHeaders: { cookie },
    });
    this.socket = socket;
    const fault = (what: string) => this.faults.push(`${this.auth.name}: ${what}`);
    socket.on('room:resume', ({ resume }: { resume: string }) => {
      this.resume = resume;
    });
    socket.on('peer:left', (m: { id: string; reason: string }) => fault(`saw peer:left ${m.id} (${m.reason})`));
    socket.on('disconnect', (reason: string) => {
      if (reason !== 'io client disconnect') fault(`dropped: ${reason}`);
    });
    socket.on('server:draining', ({ reconnectInMs }: { reconnectInMs: number }) => {
      this.notices.push(Date.now());
      const back = this.cookieOnNotice();
      setTimeout(() => {
        if (this.socket !== socket) return;
        socket.disconnect();
        void this.open(back, ['websocket']);
      }, reconnectInMs);
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        fault('no welcome within 10 s');
        resolve();
      }, 10_000);
      socket.once('room:welcome', (w: Welcome) => {
        clearTimeout(timer);
        this.welcomes.push(Date.now());
        if (!this.self) this.self = w.self.id;
        else if (w.self.id !== this.self) fault(`came back as ${w.self.id}, was ${this.self}`);
        this.resume = w.resume;
        resolve();
      });
      socket.once('connect_error', (err: Error & { data?: { code?: string }; description?: unknown }) => {
        clearTimeout(timer);
        const detail = (err.description as { message?: unknown } | undefined)?.message ?? err.description ?? '';
        fault(`connect_error ${err.message} ${err.data?.code ?? ''} ${String(detail)}`);
        resolve();
      });
    });
  }
}
