/** Starts a real Parley replica on a free loopback port for a test. */
import { createApp, type AppDeps, type ParleyApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { closeAll } from './client';

export interface TestServer {
  url: string;
  port: number;
  parley: ParleyApp;
  config: Config;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' }), ...overrides };
}

/** Starts a replica in this process on 127.0.0.1:`port` (0: any free port); the test closes it. */
export async function startServer(overrides: Partial<Config> = {}, deps: Omit<AppDeps, 'config'> = {}, port = 0): Promise<TestServer> {
  const config = testConfig(overrides);
  const parley = createApp({ config, ...deps });
  const addr = await parley.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${addr.port}`;
  return { url, port: addr.port, parley, config, close: () => parley.close() };
}

/**
 * One replica for a whole test file: started before its tests, its sockets closed after each test, stopped after
 * all. `fresh()` names a room no other test of the run uses.
 */
export function useServer(overrides: Partial<Config> = {}): { url(): string; fresh(): string; server(): TestServer } {
  let srv: TestServer | undefined;
  let n = 0;
  const tag = Date.now().toString(36);
  beforeAll(async () => {
    srv = await startServer(overrides);
  });
  afterEach(() => closeAll());
  afterAll(() => srv?.close());
  const server = () => {
    if (!srv) throw new Error('useServer: the server is not started yet (call url() inside a test)');
    return srv;
  };
  return { server, url: () => server().url, fresh: () => `room-${++n}-${tag}` };
}

export const CONTRACT_TURN_SECRET = 'turn-secret-for-tests';

/** The settings the one-replica contract suites run with: small rooms and history, TURN, a short grace period. */
export const CONTRACT_CONFIG: Partial<Config> = {
  roomMaxPeers: 3,
  chatHistory: 5,
  stunUrls: ['stun:127.0.0.1:3478'],
  turnUrls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'],
  turnSecret: CONTRACT_TURN_SECRET,
  turnTtlS: 600,
  resumeGraceMs: 1500,
  joinRatePerAddr: 1000,
  joinBurstPerAddr: 1000,
};
