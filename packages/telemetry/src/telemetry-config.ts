import { optional, string, url, type ConfigOf } from '@pulse/config';
import type { TelemetrySettings } from './start-telemetry.ts';

/** The standard OpenTelemetry variables a Pulse process reads; spread into each service's config spec. */
export function telemetryConfigSpec(defaultServiceName: string) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(url({ description: 'OTLP/HTTP collector base URL, such as http://otel-collector:4318; spans are sent to <url>/v1/traces. Unset (with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset too) turns tracing off' })),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(url({ description: 'Full OTLP/HTTP traces URL, used as given; takes precedence over OTEL_EXPORTER_OTLP_ENDPOINT' })),
    OTEL_SERVICE_NAME: string({ description: 'service.name of the spans this process sends', default: defaultServiceName }),
  };
}

type TelemetryConfig = ConfigOf<ReturnType<typeof telemetryConfigSpec>>;

export function telemetrySettingsOf(config: TelemetryConfig): TelemetrySettings {
  return { serviceName: config.OTEL_SERVICE_NAME, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, tracesEndpoint: config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT };
}
