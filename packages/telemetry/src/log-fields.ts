import { trace } from '@opentelemetry/api';
import { tracingEnabled } from './tracer.ts';

export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
}

/**
 * The active trace and span ids, as a pino mixin: every log line written while
 * a span is active can be found from the trace, and the trace from the line.
 */
export function traceLogFields(): TraceLogFields {
  if (!tracingEnabled()) return {};
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
