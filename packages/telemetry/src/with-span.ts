import { context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span, type SpanKind } from '@opentelemetry/api';
import { pulseTracer, tracingEnabled } from './tracer.ts';

export type { Attributes, Context, Span } from '@opentelemetry/api';
export { SpanKind } from '@opentelemetry/api';

export interface SpanSettings {
  readonly kind?: SpanKind;
  /** The parent; the active context when absent. */
  readonly parent?: Context;
  readonly links?: Link[];
}

/** Handed to work run with tracing off: accepts attributes and records nothing. */
const NON_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Marks a span failed with the error, without its message (it may quote what a tenant sent). */
export function recordFailure(span: Span, error: unknown): void {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', typeof code === 'string' ? code : name);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * Runs work inside a new span that is active for everything the work awaits,
 * ends it, and marks it failed when the work throws. With tracing off it only
 * calls the work.
 */
export async function withSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, settings: SpanSettings = {}): Promise<T> {
  if (!tracingEnabled()) return work(NON_RECORDING);
  const parent = settings.parent ?? context.active();
  const span = pulseTracer().startSpan(name, { attributes, kind: settings.kind, links: settings.links }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The active context, kept by work that is finished later elsewhere (a group commit); undefined with tracing off. */
export function captureContext(): Context | undefined {
  return tracingEnabled() ? context.active() : undefined;
}

/**
 * Settings for one span doing the work of many callers at once: it links to
 * each caller's span, and only when there is exactly one caller is it that
 * caller's child; otherwise it starts its own trace rather than pretending one
 * of them caused it.
 */
export function spanSettingsForGroup(callers: readonly (Context | undefined)[]): SpanSettings {
  const links: Link[] = [];
  for (const caller of callers) {
    const spanContext = caller === undefined ? undefined : trace.getSpanContext(caller);
    if (spanContext !== undefined && trace.isSpanContextValid(spanContext)) links.push({ context: spanContext });
  }
  return { links, parent: callers.length === 1 && callers[0] !== undefined ? callers[0] : ROOT_CONTEXT };
}
