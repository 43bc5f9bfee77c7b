import { trace, context, propagation } from '@opentelemetry/api';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { setTracingEnabled } from './tracer.ts';

export interface TelemetrySettings {
  readonly serviceName: string;
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT): spans go to <endpoint>/v1/traces. */
  readonly endpoint?: string | undefined;
  /** Full OTLP/HTTP traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), used as given; wins over endpoint. */
  readonly tracesEndpoint?: string | undefined;
  /** How long finished spans wait to be sent together; shutdown() sends the rest at once. */
  readonly scheduledDelayMs?: number;
  /** Limit on one export (and so on shutdown's flush) when the collector is slow or gone. */
  readonly exportTimeoutMs?: number;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Where spans go, or undefined when tracing is off. */
  readonly tracesUrl: string | undefined;
  /** Sends the spans still buffered and stops; never rejects (a lost collector must not fail a shutdown). */
  shutdown(): Promise<void>;
}

/** The URL spans are posted to, following the OTLP exporter specification's rules for the two variables. */
export function tracesUrlOf(settings: Pick<TelemetrySettings, 'endpoint' | 'tracesEndpoint'>): string | undefined {
  if (settings.tracesEndpoint !== undefined) return settings.tracesEndpoint;
  if (settings.endpoint !== undefined) return `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Tracing for one process: with no endpoint configured nothing is installed
 * and every helper of this package stays a plain function call. With one, spans
 * are batched and posted as OTLP/HTTP JSON, context follows async calls through
 * AsyncLocalStorage, and W3C traceparent headers are read and written.
 */
export async function startTelemetry(settings: TelemetrySettings): Promise<Telemetry> {
  const url = tracesUrlOf(settings);
  if (url === undefined) return { enabled: false, tracesUrl: undefined, shutdown: () => Promise.resolve() };
  // The SDK is loaded only when tracing is on: it costs about 12 MB of memory in every process otherwise.
  const [{ W3CTraceContextPropagator }, { OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, NodeTracerProvider }] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const timeoutMillis = settings.exportTimeoutMs ?? 3000;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis }), {
        scheduledDelayMillis: settings.scheduledDelayMs ?? 2000,
        exportTimeoutMillis: timeoutMillis,
      }),
    ],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  setTracingEnabled(true);
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    tracesUrl: url,
    shutdown() {
      stopping ??= (async () => {
        setTracingEnabled(false);
        try {
          await provider.shutdown();
        } catch {
          // The spans are lost either way; the process still has to stop cleanly.
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })();
      return stopping;
    },
  };
}
