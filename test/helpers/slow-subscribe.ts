/**
 * A TCP relay in front of a redis-server that holds back every chunk a connection sends from a `SSUBSCRIBE` on
 * by `delayMs` (order within the connection kept; replies and everything else pass at once). Only the adapter's
 * pub/sub connection sends `SSUBSCRIBE`, so a replica pointed at it has a Redis that is slow to subscribe it to
 * new rooms and quick at everything else.
 */
import net from 'node:net';

export interface SlowSubscribe {
  url: string;
  /** Lets everything held back through now and no longer delays anything (for a polite shutdown). */
  release(): void;
  close(): Promise<void>;
}

export async function slowSubscribe(redisPort: number, delayMs: number): Promise<SlowSubscribe> {
  const sockets = new Set<net.Socket>();
  const held = new Set<() => void>();
  let delay = delayMs;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
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
  const server = net.createServer((client) => {
    const upstream = net.connect(redisPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    // Each chunk waits for the one before it; a subscribing chunk also for the delay.
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const hold = delay > 0 && chunk.toString('latin1').toLowerCase().includes('ssubscribe');
      queue = queue
        .then(() => (hold ? wait() : undefined))
        .then(() => {
          if (!upstream.destroyed) upstream.write(chunk);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    release() {
      delay = 0;
      for (const go of [...held]) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
