import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Varies each request (e.g. which tenant's key it carries). */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
  /** The only status that counts as success; anything else is an error. */
  expectStatus: number;
}

export interface LoadResult {
  connections: number;
  /** Successful requests per second over the whole run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  /** Connection errors, timeouts and every response with another status. */
  errors: number;
  statuses: Record<string, number>;
}

/** A time-bounded load with autocannon; success means exactly the expected status. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    method: spec.method ?? 'GET',
    headers: { ...(spec.body ? { 'content-type': 'application/json' } : {}), ...spec.headers },
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.setupRequest ? { requests: [{ setupRequest: spec.setupRequest }] } : {}),
    timeout: 30,
  });
  const statuses: Record<string, number> = {};
  const codes = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  for (const [code, { count }] of Object.entries(codes)) statuses[code] = count;
  const ok = statuses[String(spec.expectStatus)] ?? 0;
  const responses = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    connections: spec.connections,
    rps: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok,
    errors: result.errors + (responses - ok),
    statuses,
  };
}

/** A message as a producer would send it; the API makes its id. */
export function sampleMessage(n = 1): Record<string, unknown> {
  return {
    datetime: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, n % 1000)).toISOString(),
    environment: n % 2 === 0 ? 'prod' : 'test',
    source: 'bench',
    payload: { n, text: 'hello from the benchmark' },
  };
}
