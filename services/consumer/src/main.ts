import { ConfigError } from '@pulse/config';
import { createLogger } from '@pulse/logger';
import { startTelemetry, telemetrySettingsOf, traceLogFields } from '@pulse/telemetry';
import { loadConsumerConfig } from './config.ts';
import { startConsumer } from './server.ts';

const EXIT_DEADLINE_MS = 10_000;

/**
 * The dashboard process: configuration from the environment, start, and a
 * clean stop on SIGTERM or SIGINT. Resolves with the exit code once stopped.
 */
export async function main(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  let config;
  try {
    config = loadConsumerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pulse consumer: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const telemetry = await startTelemetry(telemetrySettingsOf(config));
  const logger = createLogger({ service: 'consumer', level: config.LOG_LEVEL, ...(telemetry.enabled ? { mixin: traceLogFields } : {}) });
  const server = await startConsumer({ config, logger });
  logger.info({ url: server.url, api: config.API_BASE_URL, tenant: config.TENANT_NAME ?? null }, 'dashboard listening');
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      setTimeout(() => {
        logger.error('shutdown took longer than 10 s');
        resolve(1);
      }, EXIT_DEADLINE_MS).unref();
      server.stop().then(telemetry.shutdown).then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
