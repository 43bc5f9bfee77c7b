import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConsumerConfig, startConsumer } from '@pulse/consumer';
import { startTelemetry } from '@pulse/telemetry';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@pulse/telemetry/test/otlp-receiver';
import { createTenant, createTestDatabase, PULSE_BIN, REPOSITORY_ROOT, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';

const SERVER = 2;
const CLIENT = 3;

/** `pulse producer` in once mode: one message to the API, then exit. */
async function runProducerOnce(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [PULSE_BIN, 'producer'], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', MODE: 'once', ENVIRONMENT: 'prod', SOURCE: 'traced-producer', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

function logLines(output: string): Record<string, unknown>[] {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

function ancestors(span: ReceivedSpan, all: ReceivedSpan[]): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  let current: ReceivedSpan | undefined = span;
  while (current?.parentSpanId) {
    current = all.find((s) => s.spanId === current!.parentSpanId && s.traceId === span.traceId);
    if (current) chain.push(current);
  }
  return chain;
}

describe('traces from the producer and the dashboard through the API to the database', () => {
  let receiver: OtlpReceiver;
  let db: TestDatabase;
  let spoolRoot: string;

  before(async () => {
    [receiver, db, spoolRoot] = await Promise.all([startOtlpReceiver(), createTestDatabase('tracing'), mkdtemp(join(tmpdir(), 'pulse-tracing-'))]);
  });
  after(async () => {
    await receiver.close();
    await db.drop();
    await rm(spoolRoot, { recursive: true, force: true });
  });

  test('one trace id joins the producer\'s request, the API\'s request, its database spans and its log lines; concurrent requests share a linked group commit', async () => {
    const api: ApiProcess = await startApiProcess({ databaseUrl: db.url, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    let apiOutput: string;
    try {
      const key = await createTenant(api, 'traced');
      const producer = await runProducerOnce({ API_URL: api.url, API_KEY: key, SPOOL_DIR: join(spoolRoot, 'on'), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      assert.equal(producer.code, 0, producer.output);

      const concurrent = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${api.url}/api/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ datetime: '2026-01-31T12:00:00Z', environment: 'test', message_id: `concurrent-${i}` }),
      }).then((r) => r.status)));
      assert.deepEqual(new Set(concurrent), new Set([201]));

      // The dashboard, in this process: making a sign-in link reads the tenant through the API.
      const telemetry = await startTelemetry({ serviceName: 'pulse-dashboard', endpoint: receiver.url });
      const dashboard = await startConsumer({ config: loadConsumerConfig({ CONSUMER_PORT: '0', CONSUMER_HOST: '127.0.0.1', API_BASE_URL: api.url, LOG_LEVEL: 'silent' }) });
      try {
        await dashboard.createSignInLink(key);
      } finally {
        await dashboard.stop();
        await telemetry.shutdown();
      }
    } finally {
      // The API sends its remaining spans as it stops.
      assert.equal(await api.stop(), 0);
      apiOutput = api.output();
    }
    const spans = receiver.spans;

    const client = spans.find((s) => s.service === 'pulse-producer' && s.name === 'POST /api/messages');
    assert.ok(client, `producer span missing; got ${spans.map((s) => `${s.service}/${s.name}`).join(', ')}`);
    assert.equal(client.kind, CLIENT);
    assert.equal(client.attributes['http.response.status_code'], 201);
    const traceId = client.traceId;

    const server = spans.find((s) => s.service === 'pulse-api' && s.kind === SERVER && s.parentSpanId === client.spanId);
    assert.ok(server, 'the API\'s server span is the child of the producer\'s client span');
    assert.equal(server.traceId, traceId);
    assert.equal(server.name, 'POST /api/messages');
    assert.equal(server.attributes['http.route'], '/api/messages');
    assert.equal(server.attributes['http.response.status_code'], 201);
    assert.equal(server.attributes['pulse.tenant.id'], 'traced');

    const insert = spans.find((s) => s.traceId === traceId && s.attributes['db.operation.name'] === 'INSERT');
    assert.ok(insert, 'the INSERT of the producer\'s message is in the same trace');
    assert.equal(insert.kind, CLIENT);
    assert.equal(insert.attributes['db.system.name'], 'postgresql');
    const chain = ancestors(insert, spans).map((s) => s.name);
    assert.deepEqual(chain.slice(0, 3), ['transaction', 'messages insert', 'group commit']);
    assert.ok(chain.includes('POST /api/messages'), `INSERT's ancestors: ${chain.join(' < ')}`);
    for (const span of spans) {
      assert.ok(!JSON.stringify(span.attributes).includes('traced-producer'), 'no statement parameters (message content) in span attributes');
    }

    const traced = logLines(apiOutput).filter((line) => line.trace_id === traceId);
    assert.ok(traced.some((line) => line.msg === 'request' && line.route === '/api/messages' && line.status === 201), `API request log line with trace id ${traceId}:\n${apiOutput}`);

    // Forty concurrent requests: each is linked from exactly one group commit; a group of one is its child.
    const servers = spans.filter((s) => s.kind === SERVER && s.service === 'pulse-api' && s.name === 'POST /api/messages' && s.spanId !== server.spanId);
    assert.equal(servers.length, 40);
    const groups = spans.filter((s) => s.name === 'group commit' && s.traceId !== traceId);
    assert.equal(groups.reduce((sum, g) => sum + Number(g.attributes['pulse.group.size']), 0), 40);
    for (const request of servers) {
      const linking = groups.filter((g) => g.links.some((l) => l.spanId === request.spanId && l.traceId === request.traceId));
      assert.equal(linking.length, 1, 'each request is linked from one group commit');
      const group = linking[0]!;
      if (group.links.length === 1) assert.equal(group.parentSpanId, request.spanId);
      else assert.equal(group.parentSpanId, '', 'a group of several requests starts its own trace');
    }
    assert.ok(groups.some((g) => g.links.length > 1), `some commits were shared: sizes ${groups.map((g) => g.attributes['pulse.group.size']).join(',')}`);

    const dashboardCall = spans.find((s) => s.service === 'pulse-dashboard' && s.name === 'GET /api/tenants');
    assert.ok(dashboardCall, 'the dashboard\'s client span');
    assert.equal(dashboardCall.kind, CLIENT);
    const answered = spans.find((s) => s.service === 'pulse-api' && s.kind === SERVER && s.parentSpanId === dashboardCall.spanId);
    assert.ok(answered, 'the API\'s server span is the child of the dashboard\'s call');
    assert.equal(answered.traceId, dashboardCall.traceId);
    assert.equal(answered.name, 'GET /api/tenants');
    assert.ok(spans.some((s) => s.traceId === dashboardCall.traceId && s.attributes['db.system.name'] === 'postgresql'), 'the tenant read reached the database in the same trace');
  });

  test('with no endpoint configured nothing is exported and no log line has a trace id', async () => {
    const before = receiver.requests();
    const api = await startApiProcess({ databaseUrl: db.url });
    let apiOutput: string;
    let producer: { code: number | null; output: string };
    try {
      const key = await createTenant(api, 'untraced');
      producer = await runProducerOnce({ API_URL: api.url, API_KEY: key, SPOOL_DIR: join(spoolRoot, 'off') });
      assert.equal(producer.code, 0, producer.output);
      const response = await fetch(`${api.url}/api/messages?limit=1`, {
        headers: { authorization: `Bearer ${key}`, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('traceparent'), null);
    } finally {
      assert.equal(await api.stop(), 0);
      apiOutput = api.output();
    }
    assert.match(apiOutput, /"msg":"request"/);
    assert.doesNotMatch(apiOutput, /trace_id|span_id/);
    assert.doesNotMatch(producer.output, /trace_id|span_id/);
    assert.equal(receiver.requests(), before);
  });
});
