/**
 * A TCP relay in front of a redis-server whose client-to-Redis direction can be held: while held, what its
 * connections send waits (in order) and what Redis sends them passes at once. It also keeps what Redis sent, to
 * tell when a message has reached the client's socket.
 */
import net from 'node:net';

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
  const sockets = new Set<net.Socket>();
  const waiting: Array<() => void> = [];
  let held = false;
  let downstream = '';
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
      downstream += chunk.toString('latin1');
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      const send = () => {
        if (!upstream.destroyed) upstream.write(chunk);
      };
      // Once one chunk waits, every later one waits behind it.
      if (held) waiting.push(send);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const send of waiting.splice(0)) send();
    },
    received: (text) => downstream.includes(text),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
