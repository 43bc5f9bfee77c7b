import type { EventEmitter } from 'node:events';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { extractContext } from './propagation.ts';
import { pulseTracer, tracingEnabled } from './tracer.ts';

/** The server span of one incoming HTTP request. */
export class RequestSpan {
  readonly #span: Span;
  readonly #context: Context;
  #ended = false;

  constructor(span: Span, parent: Context) {
    this.#span = span;
    this.#context = trace.setSpan(parent, span);
  }

  /** Runs the rest of the request's handling with this span active. */
  run<T>(work: () => T): T {
    return context.with(this.#context, work);
  }

  /**
   * Keeps this span active in the listeners of the request's streams: a body
   * arrives in socket events that began before the span existed.
   */
  bind(emitter: EventEmitter): void {
    context.bind(this.#context, emitter);
  }

  setAttributes(attributes: Attributes): void {
    this.#span.setAttributes(attributes);
  }

  /** Ends the span with the response's status (none when the client went away first); later calls do nothing. */
  end(statusCode: number | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    if (statusCode === undefined) {
      this.#span.setAttribute('error.type', 'aborted');
      this.#span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      this.#span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      if (statusCode >= 500) this.#span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.#span.end();
  }
}

/**
 * Starts the server span of a request, continuing the caller's trace when its
 * traceparent header names one; undefined with tracing off.
 */
export function startRequestSpan(method: string, route: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>): RequestSpan | undefined {
  if (!tracingEnabled()) return undefined;
  const parent = extractContext(headers);
  const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method };
  if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
  const span = pulseTracer().startSpan(route === undefined ? method : `${method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent);
  return new RequestSpan(span, parent);
}
