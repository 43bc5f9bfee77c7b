export { startTelemetry, tracesUrlOf, type Telemetry, type TelemetrySettings } from './start-telemetry.ts';
export { telemetryConfigSpec, telemetrySettingsOf } from './telemetry-config.ts';
export { tracingEnabled } from './tracer.ts';
export { withSpan, captureContext, spanSettingsForGroup, recordFailure, SpanKind, type SpanSettings, type Span, type Attributes, type Context } from './with-span.ts';
export { injectTraceHeaders, extractContext } from './propagation.ts';
export { startRequestSpan, RequestSpan } from './request-span.ts';
export { traceLogFields, type TraceLogFields } from './log-fields.ts';
