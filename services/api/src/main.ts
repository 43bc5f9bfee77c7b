import { ConfigError } from '@pulse/config';
import { createLogger } from '@pulse/logger';
import { startTelemetry, telemetrySettingsOf, traceLogFields } from '@pulse/telemetry';
import { loadApiConfig } from './config.ts';
import { startApiServer } from './server.ts';

const EXIT_DEADLINE_MS = 10_000;

/** The API process: configuration from the environment, start, and a clean stop on SIGTERM or SIGINT. */
export async function main(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  let config;
  try {
    config = loadApiConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pulse api: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const telemetry = await startTelemetry(telemetrySettingsOf(config));
  const logger = createLogger({ service: 'api', level: config.LOG_LEVEL, ...(telemetry.enabled ? { mixin: traceLogFields } : {}) });
  if (telemetry.enabled) logger.info({ traces: telemetry.tracesUrl }, 'tracing on');
  const server = await startApiServer(config, logger);
  logger.info({ url: server.url, database: server.db.kind }, 'API listening');
  let stopping = false;
  const shutdown = (signal: string): void => {
    // A second signal (kubelet and an impatient operator) must not kill the drain half-way.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    // Spans of the drained requests are sent before the process goes.
    server.stop().then(telemetry.shutdown).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.env);
}
