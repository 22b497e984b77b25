/**
 * A TCP relay in front of a redis-server, the shared part of the relays the tests put between a replica and Redis:
 * one upstream connection per client, both closed together, each chunk either way passed to a hook that decides
 * when (or whether) it goes on.
 */
import net from 'node:net';

export interface RedisProxyHooks {
  /**
   * A chunk `client` sent: call `forward` to send it to Redis (at once, later, or in order behind others of the
   * same client).
   */
  fromClient(chunk: Buffer, forward: () => void, client: net.Socket): void;
  /** A chunk Redis sent a client, before it is passed on. */
  fromRedis?(chunk: Buffer): void;
}

export interface RedisProxy {
  url: string;
  close(): Promise<void>;
}

export async function redisProxy(redisPort: number, hooks: RedisProxyHooks): Promise<RedisProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(redisPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.on('data', (chunk: Buffer) => {
      hooks.fromRedis?.(chunk);
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) =>
      hooks.fromClient(
        chunk,
        () => {
          if (!upstream.destroyed) upstream.write(chunk);
        },
        client,
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
