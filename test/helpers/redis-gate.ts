/**
 * A TCP relay in front of a redis-server whose client-to-Redis direction can be held: while held, what its
 * connections send waits (in order) and what Redis sends them passes at once. It also keeps what Redis sent, to
 * tell when a message has reached the client's socket.
 */
import { redisProxy } from './redis-proxy';

export interface RedisGate {
  url: string;
  /** Holds everything the connections send from now on. */
  hold(): void;
  /** Sends what was held and stops holding. */
  release(): void;
  /** Whether Redis has sent `text` (ASCII) to any connection since the relay started. */
  received(text: string): boolean;
  close(): Promise<void>;
}

export async function redisGate(redisPort: number): Promise<RedisGate> {
  const waiting: Array<() => void> = [];
  let held = false;
  let downstream = '';
  const proxy = await redisProxy(redisPort, {
    fromRedis: (chunk) => {
      downstream += chunk.toString('latin1');
    },
    // Once one chunk waits, every later one waits behind it.
    fromClient: (_chunk, forward) => {
      if (held) waiting.push(forward);
      else forward();
    },
  });
  return {
    url: proxy.url,
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const send of waiting.splice(0)) send();
    },
    received: (text) => downstream.includes(text),
    close: proxy.close,
  };
}
