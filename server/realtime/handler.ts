/**
 * The one path every inbound event takes: rate limit, arity, validation, effect, ack. A namespace declares its
 * events as a table (`EventTable`) typed by its event map, so a missing event, a wrong payload type or a wrong
 * reply is a type error; events the table does not name are refused. A refused event is answered with
 * `{ ok: false, error }` when it carries an ack, dropped otherwise, counted in metrics, and changes nothing.
 */
import type { Socket } from 'socket.io';
import type { EventsMap } from 'socket.io/dist/typed-events';
import type { z } from 'zod';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { AppError, toErrorBody } from '../protocol/errors';
import type { AckFn } from '../protocol/events';
import { parse } from '../protocol/schemas';
import { TokenBucket } from './rate';

/**
 * Signals (SDP, ICE) have their own, larger budget; TURN credential renewals and reactions small ones of their own;
 * every other event shares one.
 */
export type Bucket = 'signal' | 'event' | 'ice' | 'reaction';

type Params<F> = F extends (...args: infer A) => void ? A : never;
type IsAck<T> = NonNullable<T> extends AckFn<infer _R> ? true : false;
/** The payload an event of the map takes: its first argument unless that is the ack (then none). */
type PayloadOf<F> =
  Params<F> extends [infer P, ...unknown[]]
    ? IsAck<P> extends true
      ? undefined
      : P
    : Params<F> extends [(infer P)?]
      ? IsAck<P> extends true
        ? undefined
        : P
      : undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AckOf<F> = Extract<NonNullable<Params<F>[number]>, AckFn<any>>;
/** What the ack of an event carries besides `ok: true`. */
type ReplyOf<F> = AckOf<F> extends AckFn<infer R> ? R : never;

export interface EventSpec<P, R, Ctx> {
  /** Checked before `run`; null for an event that takes no payload. */
  schema: [P] extends [undefined] ? null : z.ZodType<P>;
  /** An over-long string in it is PAYLOAD_TOO_LARGE rather than BAD_REQUEST (SDP, chat text). */
  bulky?: boolean;
  bucket: Bucket;
  run(payload: P, ctx: Ctx): Promise<R | void> | R | void;
}

/** One entry per client-to-server event of a namespace's map. */
export type EventTable<M, Ctx> = { [K in keyof M]: EventSpec<PayloadOf<M[K]>, ReplyOf<M[K]>, Ctx> };

/** What every handler is given; namespaces extend it with their own. */
export interface EventContext {
  metrics: Metrics;
  log: Logger;
  buckets: Record<Bucket, TokenBucket>;
}

/** A socket's own rate budgets. */
export function socketBuckets(config: Config): Record<Bucket, TokenBucket> {
  return {
    signal: new TokenBucket(config.signalRate, config.signalBurst),
    event: new TokenBucket(config.eventRate, config.eventBurst),
    ice: new TokenBucket(config.iceRefreshPerMin / 60, config.iceRefreshPerMin),
    reaction: new TokenBucket(config.reactionRate, config.reactionBurst),
  };
}

type AnyAck = (reply: unknown) => void;

export function refuse(metrics: Metrics, event: string, err: unknown, ack: AnyAck | undefined, log: Logger): void {
  const body = toErrorBody(err);
  metrics.refused.inc({ event, code: body.code });
  if (body.code === 'INTERNAL') log.error({ err, event }, 'event failed');
  else log.debug({ event, code: body.code }, 'event refused');
  ack?.({ ok: false, error: body });
}

/** Registers every event of `table` on `socket`, and refuses (and counts) every other event. */
export function registerEvents<M extends EventsMap, Ctx extends EventContext>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  socket: Socket<M, any, any, any>,
  table: NoInfer<EventTable<M, Ctx>>,
  ctx: Ctx,
): void {
  const { metrics, log } = ctx;
  // The table's types were checked against M where it was written; here every event is handled alike.
  const raw = socket as unknown as Socket;
  const specs = new Map(Object.entries(table) as Array<[string, EventSpec<unknown, object, Ctx>]>);
  raw.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && specs.has(event)) return;
    const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as AnyAck) : undefined;
    refuse(metrics, 'unknown', new AppError('BAD_REQUEST', 'Unknown event.'), ack, log);
  });
  for (const [event, spec] of specs) {
    const arity = spec.schema === null ? 0 : 1;
    raw.on(event, (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AnyAck) : undefined;
      if (!ctx.buckets[spec.bucket].take()) return refuse(metrics, event, new AppError('RATE_LIMITED'), ack, log);
      if (args.length > arity) return refuse(metrics, event, new AppError('BAD_REQUEST', 'Unexpected arguments.'), ack, log);
      let result: Promise<object | void> | object | void;
      try {
        const payload = spec.schema === null ? undefined : parse(spec.schema, args[0], spec.bulky);
        result = spec.run(payload, ctx);
      } catch (err) {
        return refuse(metrics, event, err, ack, log);
      }
      Promise.resolve(result).then(
        (reply) => ack?.({ ok: true, ...(reply ?? {}) }),
        (err: unknown) => refuse(metrics, event, err, ack, log),
      );
    });
  }
}
