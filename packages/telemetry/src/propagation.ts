import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { tracingEnabled } from './tracer.ts';

type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Adds traceparent for the active span to headers of an outgoing request; returns the same object. */
export function injectTraceHeaders<H extends Record<string, string>>(headers: H): H {
  if (tracingEnabled()) propagation.inject(context.active(), headers);
  return headers;
}

/** The caller's trace context from an incoming request's headers (the root context when there is none). */
export function extractContext(headers: IncomingHeaders): Context {
  if (!tracingEnabled()) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => carrier[key.toLowerCase()],
  });
}
