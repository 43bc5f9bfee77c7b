import { trace, type Tracer } from '@opentelemetry/api';

let enabled = false;

/** True once startTelemetry has installed an exporting provider; every helper is a pass-through before that. */
export function tracingEnabled(): boolean {
  return enabled;
}

export function setTracingEnabled(value: boolean): void {
  enabled = value;
}

export function pulseTracer(): Tracer {
  return trace.getTracer('pulse');
}
