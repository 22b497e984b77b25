/**
 * A TCP relay in front of a redis-server that holds back every chunk a connection sends from a `SSUBSCRIBE` on
 * by `delayMs` (order within the connection kept; replies and everything else pass at once). Only the adapter's
 * pub/sub connection sends `SSUBSCRIBE`, so a replica pointed at it has a Redis that is slow to subscribe it to
 * new rooms and quick at everything else.
 */
import { redisProxy } from './redis-proxy';

export interface SlowSubscribe {
  url: string;
  /** Lets everything held back through now and no longer delays anything (for a polite shutdown). */
  release(): void;
  close(): Promise<void>;
}

export async function slowSubscribe(redisPort: number, delayMs: number): Promise<SlowSubscribe> {
  const held = new Set<() => void>();
  let delay = delayMs;
  const wait = () =>
    new Promise<void>((resolve) => {
      const go = () => {
        clearTimeout(timer);
        held.delete(go);
        resolve();
      };
      const timer = setTimeout(go, delay);
      held.add(go);
    });
  // Each chunk waits for the one before it from the same connection; a subscribing chunk also for the delay.
  const queues = new WeakMap<object, Promise<void>>();
  const proxy = await redisProxy(redisPort, {
    fromClient: (chunk, forward, client) => {
      const hold = delay > 0 && chunk.toString('latin1').toLowerCase().includes('ssubscribe');
      const queue = (queues.get(client) ?? Promise.resolve()).then(() => (hold ? wait() : undefined)).then(forward);
      queues.set(client, queue);
    },
  });
  return {
    url: proxy.url,
    release() {
      delay = 0;
      for (const go of [...held]) go();
    },
    close: proxy.close,
  };
}
