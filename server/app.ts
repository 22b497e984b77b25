/** The application factory: Koa, the HTTP server and Socket.IO, wired to a room store. Start-up lives in index.ts. */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Koa from 'koa';
import koaStatic from 'koa-static';
import { Server, type ServerOptions } from 'socket.io';
import type { Config } from './config';
import { errorPages } from './http/errors';
import { pageLanguage, translator } from './http/language';
import { createRouter } from './http/routes';
import { originAllowed, secureEngine, securityHeaders } from './http/security';
import { createRenderer } from './http/views';
import { createLogger, type Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { gateConnections } from './realtime/connections';
import { clientAddress } from './realtime/context';
import type { RelayFactory, SubscribedFn, WatchedFn } from './realtime/context';
import { localLimits, type Limits } from './realtime/limits';
import { attachLobby } from './realtime/lobby';
import { attachRoom, type RoomRuntime } from './realtime/room';
import { MemoryRoomStore } from './rooms/memory';
import type { RoomStore } from './rooms/store';

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

/** Large enough for an SDP with many candidates, far from megabytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export interface AppDeps {
  config: Config;
  store?: RoomStore;
  log?: Logger;
  /** Socket.IO adapter (the Redis adapter in a cluster); memory when absent. */
  adapter?: ServerOptions['adapter'];
  /** Per-address limits shared by the replicas (Redis); local when absent. */
  limits?: Limits;
  /** Extra readiness condition, e.g. the Redis connection. */
  healthy?: () => boolean;
  /** Resolves once the adapter's subscriptions to these rooms are active; at once when absent. */
  subscribed?: SubscribedFn;
  /** Whether any replica has a socket in a room (e.g. watchers of a room in the lobby); this replica's only when absent. */
  watched?: WatchedFn;
  /** Sends signals straight to the replica holding their target (a cluster); through the adapter when absent. */
  relay?: RelayFactory;
  /** Called by close() after Socket.IO is closed, e.g. to quit Redis clients. */
  onClose?: () => Promise<void>;
}

export interface ParleyApp {
  app: Koa;
  server: http.Server;
  io: Server;
  store: RoomStore;
  metrics: Metrics;
  room: RoomRuntime;
  log: Logger;
  listen(port?: number, host?: string): Promise<AddressInfo>;
  setReady(ready: boolean): void;
  /**
   * Graceful drain: not ready for `noticeMs` while still serving and admitting (the load balancer takes the replica
   * out of its rotation meanwhile), then no new connections and the participants moved elsewhere; then close().
   */
  drain(timeoutMs?: number, noticeMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Socket.IO's own packet parser (the copy socket.io loads), taking at most one binary attachment per packet:
 * Parley's events are JSON, and a packet announcing several would park each attachment in memory until its last
 * one arrives. With one, the packet is whole as soon as its attachment comes.
 */
const ioParser = createRequire(require.resolve('socket.io'))('socket.io-parser') as typeof import('socket.io-parser');
class OneAttachmentDecoder extends ioParser.Decoder {
  constructor() {
    super({ maxAttachments: 1 });
  }
}
const parser = { protocol: ioParser.protocol, Encoder: ioParser.Encoder, Decoder: OneAttachmentDecoder };

/** How long close() lets HTTP requests in flight finish before it closes their connections. */
const CLOSE_GRACE_MS = 2000;

export function createApp(deps: AppDeps): ParleyApp {
  const { config } = deps;
  const log = deps.log ?? createLogger(config.logLevel, { replica: config.replicaId });
  // A store passed in belongs to the caller, who closes it.
  const store = deps.store ?? new MemoryRoomStore();
  const ownsStore = deps.store === undefined;
  const metrics = createMetrics();
  let ready = false;
  let draining = false;
  let closing: Promise<void> | undefined;
  let endNotice: (() => void) | undefined;

  const app = new Koa();
  app.proxy = config.trustProxy;
  // The last X-Forwarded-For hop is the one the trusted proxy added; earlier ones are whatever the client sent.
  app.maxIpsCount = 1;
  app.silent = true;
  const render = createRenderer(path.join(ROOT, 'views'), process.env.NODE_ENV === 'production');
  const serve = koaStatic(path.join(ROOT, 'public'), { index: false, maxage: 3600_000, defer: false });
  app.use(securityHeaders());
  app.use(async (ctx, next) => {
    ctx.set('X-Parley-Replica', config.replicaId);
    await next();
  });
  app.use(errorPages(render, log.child({ ns: 'http' })));
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/assets/')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') ctx.throw(405);
    const original = ctx.path;
    ctx.path = original.slice('/assets'.length);
    try {
      await serve(ctx, async () => undefined);
    } finally {
      ctx.path = original;
    }
    if (ctx.body === undefined || ctx.body === null) ctx.throw(404, translator(pageLanguage(ctx))('page.error.nothingHere'));
  });
  const router = createRouter({
    render,
    registry: metrics.registry,
    ready: () => ready && (deps.healthy?.() ?? true),
    maxPeers: config.roomMaxPeers,
    resumeGraceMs: config.resumeGraceMs,
  });
  app.use(router.routes());
  app.use(router.allowedMethods());

  const server = http.createServer(app.callback());
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const allowed = new Set(config.allowedOrigins);
  // Per address, shared by the replicas when there is Redis: connections, handshakes, peeks, wrong passwords.
  const limits = deps.limits ?? localLimits(config);
  const io = new Server(server, {
    serveClient: false,
    parser,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    pingInterval: 10_000,
    pingTimeout: 5_000,
    adapter: deps.adapter,
    // Engine.IO asks this for new connections only (a request of an existing session carries its sid).
    allowRequest: (req, cb) => {
      // Once the participants are told to move, new connections go to another replica (the load balancer has
      // stopped sending any here by then: see drain()).
      if (draining) return cb('draining', false);
      if (!originAllowed(req.headers, allowed, config.trustProxy)) return cb('origin not allowed', false);
      const address = clientAddress(req.headers, req.socket.remoteAddress ?? '', config.trustProxy);
      gate.admit(req, address).then(
        (ok) => {
          if (!ok) metrics.refused.inc({ event: 'connection', code: 'RATE_LIMITED' });
          cb(ok ? null : 'too many connections from this address', ok);
        },
        () => cb('connection check failed', false),
      );
    },
  });
  const gate = gateConnections(io, limits.connections);
  secureEngine(io, server);
  const realtime = { config, store, metrics, log, limits, subscribed: deps.subscribed, watched: deps.watched, relay: deps.relay };
  const lobby = attachLobby(io, realtime);
  const room = attachRoom(io, realtime, lobby.notify);

  return {
    app,
    server,
    io,
    store,
    metrics,
    room,
    log,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          ready = true;
          resolve(server.address() as AddressInfo);
        });
      });
    },
    setReady(value: boolean) {
      ready = value;
    },
    async drain(timeoutMs = config.drainTimeoutMs, noticeMs = config.drainNoticeMs) {
      // Not ready first, serving and admitting as before: told to move now, a participant whose cookie names this
      // replica would come straight back here until the load balancer's health check noticed, and be refused.
      ready = false;
      log.info({ noticeMs, timeoutMs }, 'draining: not ready; participants told to move after the notice period');
      if (noticeMs > 0 && !closing) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, noticeMs);
          endNotice = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      if (!closing) {
        draining = true;
        await room.drain(Math.min(2000, timeoutMs / 2), timeoutMs);
      }
      await this.close();
    },
    close() {
      endNotice?.();
      closing ??= shutdown();
      return closing;
    },
  };

  async function shutdown(): Promise<void> {
    ready = false;
    // A client that reconnects while the sockets close must not open a new session here: it would hold the HTTP
    // server open (a long-poll is an active connection) until it leaves of its own accord. The keep-alive
    // connection its refusal went over is closed once idle; requests still in flight get CLOSE_GRACE_MS.
    draining = true;
    room.stop();
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const lingering = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => {
      io.close(() => resolve());
    });
    clearInterval(idle);
    clearTimeout(lingering);
    // The store hears of every connection that closed (its place kept for the grace period) before it is closed.
    await room.settled();
    await deps.onClose?.();
    if (ownsStore) await store.close();
  }
}
