import { loadConfig } from '@pulse/config';
import { createLogger } from '@pulse/logger';
import { startTelemetry, telemetrySettingsOf, traceLogFields } from '@pulse/telemetry';
import { createProducer } from './app.ts';
import { loadProducerConfig, producerTelemetrySpec } from './config.ts';
import { pushMetrics } from './metrics-push.ts';
import { startMetricsServer } from './metrics-server.ts';
import { ProducerMetrics } from './producer-metrics.ts';

/**
 * The producer process: configuration from the environment (a ConfigError
 * names every bad variable), the chosen mode, and a clean stop on SIGTERM or
 * SIGINT. Resolves with the exit code.
 */
export async function main(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const { settings, logLevel, metricsPort, pushgatewayUrl } = loadProducerConfig(env);
  const telemetry = await startTelemetry(telemetrySettingsOf(loadConfig(producerTelemetrySpec, env)));
  const logger = createLogger({ service: 'producer', level: logLevel, ...(telemetry.enabled ? { mixin: traceLogFields } : {}) });
  const metrics = new ProducerMetrics();
  if (metricsPort !== undefined || pushgatewayUrl !== undefined) metrics.collectProcessMetrics();
  const producer = createProducer(settings, logger, metrics);
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    controller.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A once run ends before any scrape could see it: it pushes instead (below).
  const server = metricsPort !== undefined && settings.mode !== 'once' ? await startMetricsServer(metrics.registry, metricsPort) : undefined;
  if (server) logger.info({ metrics_port: server.port }, 'metrics endpoint listening on /metrics');
  try {
    if (settings.mode === 'once') {
      const code = await producer.runOnce(controller.signal);
      if (pushgatewayUrl !== undefined) {
        metrics.lastRunExitCode.set(code);
        await pushMetrics(metrics.registry, pushgatewayUrl, { source: settings.source }, settings.requestTimeoutMs).then(
          () => logger.info({ pushgateway: pushgatewayUrl }, 'metrics pushed'),
          (error: unknown) => logger.warn({ pushgateway: pushgatewayUrl, err: error }, 'metrics push failed; the run itself is unaffected'),
        );
      }
      return code;
    }
    if (settings.mode === 'interval') return await producer.runInterval(controller.signal);
    if (settings.mode === 'canary') return await producer.runCanary(controller.signal);
    return await producer.runLoad(controller.signal, (text) => process.stdout.write(text));
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await server?.close();
    await telemetry.shutdown();
  }
}
