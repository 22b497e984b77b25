/** Start-up: read the configuration, listen, and close cleanly on SIGTERM/SIGINT. */
import { createApp, type AppDeps } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { appDeps, createRedisBackend } from './redis/backend';

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
  // A replica never dies of a stray rejection (e.g. a Redis command during an outage); it logs it.
  process.on('unhandledRejection', (err: unknown) => log.error({ err }, 'unhandled rejection'));
  let deps: Omit<AppDeps, 'config' | 'log'> = {};
  if (config.redisUrl) {
    if (!process.env.SECRET) {
      log.warn('SECRET is not set: every replica signs resume tokens with its own key, so a participant cannot resume on another replica');
    }
    // Start at once and stay not-ready (/readyz 503) until Redis answers; the clients keep retrying.
    deps = appDeps(createRedisBackend(config, log));
  } else if (!process.env.SECRET) {
    log.warn('SECRET is not set: resume tokens will not survive a restart of this replica');
  }
  const parley = createApp({ config, log, ...deps });
  const addr = await parley.listen();
  log.info(
    { port: addr.port, host: addr.address, redis: Boolean(config.redisUrl) },
    `Parley is listening on http://${addr.address === '0.0.0.0' ? 'localhost' : addr.address}:${addr.port}`,
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.drainNoticeMs + config.drainTimeoutMs + 5000);
    force.unref();
    // SIGTERM (an orchestrator stopping the replica): drain first, so the participants move to other replicas.
    (signal === 'SIGTERM' ? parley.drain() : parley.close()).then(
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
