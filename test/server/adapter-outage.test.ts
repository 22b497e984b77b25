/**
 * The Socket.IO adapter through a Redis outage: the subscriptions it holds, and drops as rooms empty on a replica,
 * are not lost, so that after the outage the replicas hear each other in every room, also in a room that was emptied
 * meanwhile and filled again afterwards.
 */
import { closeAll, join, sleep, waitFor } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { until } from '../../scripts/procs.cjs';

let redis: RedisProcess;
let cluster: Cluster | undefined;

beforeEach(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  closeAll();
  await cluster?.close();
  cluster = undefined;
  await redis.stop();
});

test('a Redis outage with participants coming and going: afterwards every room is heard across replicas', async () => {
  cluster = await startCluster(redis.url, 2, { resumeGraceMs: 60_000 });
  const [r0, r1] = cluster.replicas;
  const a = await join(r0.url, { room: 'out-one', name: 'Ann' });
  const b = await join(r1.url, { room: 'out-one', name: 'Ben' });
  const c = await join(r0.url, { room: 'out-two', name: 'Cat' });
  await redis.kill();
  await sleep(1500);
  // Cat's socket goes away during the outage: its replica drops the room's subscription.
  c.socket.close();
  await sleep(1500);
  await redis.start();
  await until('both replicas healthy', async () => r0.backend.healthy() && r1.backend.healthy(), 10_000, undefined, 50);
  // Pub/sub subscriptions are restored on reconnect: Ann's chat on r0 reaches Ben on r1.
  await until(
    'a chat message across replicas',
    async () => {
      const got = waitFor<{ text: string }>(b.socket, 'chat:message', 500).catch(() => undefined);
      a.socket.emit('chat:send', { text: 'after' }, () => undefined);
      return (await got)?.text === 'after';
    },
    10_000,
    undefined,
    100,
  );
  const d = await join(r1.url, { room: 'out-two', name: 'Dee' });
  const e = await join(r0.url, { room: 'out-two', name: 'Eve' });
  const seen = waitFor<{ text: string }>(d.socket, 'chat:message', 3000);
  e.socket.emit('chat:send', { text: 'new room' }, () => undefined);
  expect((await seen).text).toBe('new room');
});
