import type { ListMessagesResponse, StatsResponse, TenantResponse } from '@pulse/contract';
import { injectTraceHeaders, SpanKind, withSpan } from '@pulse/telemetry';

/** The API answered with an error; status and body are passed on to the browser as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`API answered ${status}`);
    this.name = 'ApiError';
  }
}

export interface MessageQuery {
  environment?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

const TIMEOUT_MS = 10_000;

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Reads one tenant's data through the API's HTTP interface with that tenant's read key. */
export class ApiClient {
  constructor(private readonly baseUrl: string) {}

  /** One client span per call; its traceparent header puts the API's spans in the same trace. */
  private get<T>(path: string, key: string): Promise<T> {
    return withSpan(`GET ${path.split('?')[0]}`, { 'http.request.method': 'GET' }, async (span) => {
      const response = await fetch(`${this.baseUrl}${path}`, {
        headers: injectTraceHeaders({ authorization: `Bearer ${key}`, accept: 'application/json' }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      span.setAttribute('http.response.status_code', response.status);
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, body);
      return body as T;
    }, { kind: SpanKind.CLIENT });
  }

  tenant(key: string): Promise<TenantResponse> {
    return this.get('/api/tenants', key);
  }

  messages(key: string, q: MessageQuery): Promise<ListMessagesResponse> {
    return this.get(`/api/messages${query({ ...q })}`, key);
  }

  stats(key: string, window: string, bucket: string, environment?: string): Promise<StatsResponse> {
    return this.get(`/api/stats${query({ window, bucket, environment })}`, key);
  }

  /** True when the API answers its liveness probe. */
  async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(3000) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** Opens the API's event stream; the caller pipes the body and aborts through the signal. */
  async stream(key: string, options: { environment?: string | undefined; lastEventId?: string | undefined; signal: AbortSignal }): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'text/event-stream' };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const response = await fetch(`${this.baseUrl}/api/messages/stream${query({ environment: options.environment })}`, { headers: injectTraceHeaders(headers), signal: options.signal });
    if (!response.ok) {
      const body: unknown = await response.json().catch(() => null);
      throw new ApiError(response.status, body);
    }
    return response;
  }
}
