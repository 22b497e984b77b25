/**
 * The one path every inbound event takes: rate limit, validation, effect, ack.
 * A refused event is answered with `{ ok: false, error }` when it carries an ack, dropped otherwise,
 * counted in metrics, and changes nothing.
 */
import type { Socket } from 'socket.io';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { AppError, toErrorBody } from '../protocol/errors';
import type { TokenBucket } from './rate';

export type Reply = object | void;

export interface EventSpec {
  /** How many payload arguments the event takes (0 or 1). */
  arity: 0 | 1;
  bucket: TokenBucket;
  run: (payload: unknown) => Promise<Reply> | Reply;
}

type AnyAck = (reply: unknown) => void;

export function refuse(metrics: Metrics, event: string, err: unknown, ack: AnyAck | undefined, log: Logger): void {
  const body = toErrorBody(err);
  metrics.refused.inc({ event, code: body.code });
  if (body.code === 'INTERNAL') log.error({ err, event }, 'event failed');
  else log.debug({ event, code: body.code }, 'event refused');
  ack?.({ ok: false, error: body });
}

/** Registers `spec` for `event` on `socket`. */
export function on(socket: Socket, event: string, spec: EventSpec, metrics: Metrics, log: Logger): void {
  socket.on(event, (...args: unknown[]) => {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AnyAck) : undefined;
    if (!spec.bucket.take()) return refuse(metrics, event, new AppError('RATE_LIMITED'), ack, log);
    if (args.length > spec.arity) return refuse(metrics, event, new AppError('BAD_REQUEST', 'Unexpected arguments.'), ack, log);
    let result: Promise<Reply> | Reply;
    try {
      result = spec.run(args[0]);
    } catch (err) {
      return refuse(metrics, event, err, ack, log);
    }
    Promise.resolve(result).then(
      (reply) => ack?.({ ok: true, ...(reply ?? {}) }),
      (err: unknown) => refuse(metrics, event, err, ack, log),
    );
  });
}

/** Answers events nobody registered (when they carry an ack) and counts them; they have no effect. */
export function refuseUnknown(socket: Socket, known: ReadonlySet<string>, metrics: Metrics, log: Logger): void {
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.has(event)) return;
    const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as AnyAck) : undefined;
    refuse(metrics, 'unknown', new AppError('BAD_REQUEST', 'Unknown event.'), ack, log);
  });
}
