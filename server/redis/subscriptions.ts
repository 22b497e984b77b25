/**
 * The sharded adapter's per-room subscriptions, made observable. The adapter sends `SSUBSCRIBE` when a room
 * appears on this replica and does not wait for Redis to confirm it: until Redis has processed it, events
 * that other replicas publish to that room do not reach this replica. A newcomer's welcome snapshot must not
 * be read before its rooms' subscriptions are active, or a participant who joins elsewhere right after that
 * read is neither in the snapshot nor heard of through `peer:joined`.
 */
import type { Logger } from '../logger';
import type { SubscribedFn } from '../realtime/context';
import type { RedisClient } from './client';

/**
 * How long a join waits for its rooms' subscriptions. Redis confirms within a round trip; longer means the
 * pub/sub connection is down, and then the replica is out of rotation and the subscription is sent again on
 * reconnect: the join goes on rather than hang.
 */
export const SUBSCRIBE_WAIT_MS = 2000;

/**
 * Wraps `sub`'s `sSubscribe` (as the adapter calls it) to keep each channel's unconfirmed subscription, and
 * returns the wait for a set of rooms. `channelPrefix` must be the adapter's: in 'dynamic' mode a room's
 * channel is `<prefix>#<namespace>#<room>#`.
 */
export function trackSubscriptions(sub: RedisClient, channelPrefix: string, log: Logger, waitMs = SUBSCRIBE_WAIT_MS): SubscribedFn {
  const pending = new Map<string, Promise<unknown>>();
  const original = sub.sSubscribe.bind(sub) as (...args: unknown[]) => Promise<unknown>;
  const wrapped = (...args: unknown[]): Promise<unknown> => {
    const confirmed = original(...args);
    const settled = confirmed.then(
      () => undefined,
      () => undefined,
    );
    const channels = Array.isArray(args[0]) ? (args[0] as unknown[]) : [args[0]];
    for (const channel of channels) {
      if (typeof channel !== 'string') continue;
      pending.set(channel, settled);
      // Only the latest subscription of a channel counts (a room can empty and fill again meanwhile).
      void settled.then(() => pending.get(channel) === settled && pending.delete(channel));
    }
    return confirmed;
  };
  (sub as unknown as { sSubscribe: typeof wrapped }).sSubscribe = wrapped;

  return async (nsp, rooms) => {
    const waits = rooms.map((room) => pending.get(`${channelPrefix}#${nsp}#${room}#`)).filter((p) => p !== undefined);
    if (waits.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), waitMs);
    });
    const late = await Promise.race([Promise.all(waits).then(() => false), gaveUp]);
    clearTimeout(timer);
    if (late) log.warn({ nsp, rooms, waitMs }, 'room subscriptions not confirmed by redis in time; going on');
  };
}
