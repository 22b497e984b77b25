/**
 * /metrics through the load balancer (HAProxy with deploy/haproxy.cfg, started by scripts/cluster.cjs): refused
 * from outside, however the path is spelt, unless PARLEY_METRICS_TOKEN is set and the request carries it; each
 * replica still answers /metrics on its own port.
 */
import { startCluster, type Cluster } from '../../scripts/cluster.cjs';
import { rawHttp } from '../security/raw';

jest.setTimeout(120_000);

const TOKEN = 'metrics-token-for-tests-0123456789';

/** Every spelling of the path that a replica routes to its metrics, and the prefix the LB refuses as well. */
const SPELLINGS = ['/metrics', '/METRICS', '/Metrics/', '/metrics/', '/metrics?name[]=x', '/%6detrics', '/%4Detrics/'];

let open: Cluster;
let guarded: Cluster;

beforeAll(async () => {
  // One after the other: each may build dist/ first.
  open = await startCluster({ replicas: 1, redis: false, turn: false, env: { LOG_LEVEL: 'warn' } });
  guarded = await startCluster({
    replicas: 1,
    redis: false,
    turn: false,
    env: { LOG_LEVEL: 'warn' },
    lbEnv: { PARLEY_METRICS_TOKEN: TOKEN },
  });
});

afterAll(async () => {
  await open?.stop();
  await guarded?.stop();
});

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

const isMetrics = (body: string) => /^parley_participants(?:\{[^}]*\})? \d+/m.test(body);

test('without PARLEY_METRICS_TOKEN the load balancer refuses /metrics in every spelling the replica serves', async () => {
  const replica = open.replicas[0].url;
  const served: string[] = [];
  for (const path of SPELLINGS) {
    const direct = await get(replica + path);
    if (direct.status === 200 && isMetrics(direct.body)) served.push(path);
    const viaLb = await get(open.url + path, { authorization: `Bearer ${TOKEN}` });
    expect({ path, status: viaLb.status, metrics: isMetrics(viaLb.body) }).toEqual({ path, status: 403, metrics: false });
  }
  // The replica routes at least these to its metrics, so the refusals above are not of paths nobody serves.
  expect(served).toEqual(expect.arrayContaining(['/metrics', '/METRICS', '/metrics/', '/metrics?name[]=x']));
  // An absolute request target names the same path.
  const absolute = await rawHttp(open.lb.port, 'GET http://127.0.0.1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  expect(absolute.status).toBe(403);
  // Everything else still passes.
  expect((await get(`${open.url}/healthz`)).status).toBe(200);
});

test('the replica’s own /metrics still answers on its port', async () => {
  const direct = await get(`${open.replicas[0].url}/metrics`);
  expect(direct.status).toBe(200);
  expect(isMetrics(direct.body)).toBe(true);
});

test('with PARLEY_METRICS_TOKEN, /metrics through the load balancer needs exactly that bearer token', async () => {
  for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `bearer ${TOKEN}`, TOKEN, `Basic ${TOKEN}`, 'Bearer ']) {
    const res = await get(`${guarded.url}/metrics`, authorization === undefined ? {} : { authorization });
    expect({ authorization, status: res.status }).toEqual({ authorization, status: 403 });
  }
  for (const path of SPELLINGS) {
    const res = await get(guarded.url + path);
    expect({ path, status: res.status }).toEqual({ path, status: 403 });
  }
  const ok = await get(`${guarded.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
  expect(ok.status).toBe(200);
  expect(isMetrics(ok.body)).toBe(true);
});
