/** Start-up: read the configuration, listen, and close cleanly on SIGTERM/SIGINT. */
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logger';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { replica: config.replicaId });
  if (config.redisUrl) {
    log.fatal('REDIS_URL is set, but this build runs a single replica with state in memory; unset REDIS_URL');
    process.exit(2);
  }
  if (!process.env.SECRET) log.warn('SECRET is not set: resume tokens will not survive a restart of this replica');
  const parley = createApp({ config, log });
  const addr = await parley.listen();
  log.info(
    { port: addr.port, host: addr.address },
    `Parley is listening on http://${addr.address === '0.0.0.0' ? 'localhost' : addr.address}:${addr.port}`,
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.drainTimeoutMs + 5000);
    force.unref();
    parley.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Parley failed to start: ${String(err)}\n`);
  process.exit(1);
});
