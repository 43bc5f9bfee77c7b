import { createLogger } from '@pulse/logger';
import { createProducer } from './app.ts';
import { loadProducerConfig } from './config.ts';

/**
 * The producer process: configuration from the environment (a ConfigError
 * names every bad variable), the chosen mode, and a clean stop on SIGTERM or
 * SIGINT. Resolves with the exit code.
 */
export async function main(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const { settings, logLevel } = loadProducerConfig(env);
  const logger = createLogger({ service: 'producer', level: logLevel });
  const producer = createProducer(settings, logger);
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    controller.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    if (settings.mode === 'once') return await producer.runOnce(controller.signal);
    if (settings.mode === 'interval') return await producer.runInterval(controller.signal);
    return await producer.runLoad(controller.signal, (text) => process.stdout.write(text));
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
