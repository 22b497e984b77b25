/** Starts a real Parley replica on a free loopback port for a test. */
import { createApp, type AppDeps, type ParleyApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';

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

export async function startServer(overrides: Partial<Config> = {}, deps: Omit<AppDeps, 'config'> = {}): Promise<TestServer> {
  const config = testConfig(overrides);
  const parley = createApp({ config, ...deps });
  const addr = await parley.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${addr.port}`;
  return { url, port: addr.port, parley, config, close: () => parley.close() };
}
