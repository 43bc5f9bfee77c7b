import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@pulse/logger';
import { captureContext, extractContext, injectTraceHeaders, spanSettingsForGroup, startRequestSpan, startTelemetry, traceLogFields, tracesUrlOf, withSpan } from '../src/index.ts';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.ts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

function lines(): { stream: Writable; read: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { text += chunk.toString('utf8'); done(); } });
  return { stream, read: () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('telemetry', () => {
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(() => receiver.close());

  test('the traces URL follows the OTLP variables: the base gets /v1/traces, the traces URL is used as given and wins', () => {
    assert.equal(tracesUrlOf({ endpoint: 'http://collector:4318/' }), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrlOf({ endpoint: 'http://a:4318', tracesEndpoint: 'http://b/otlp/traces' }), 'http://b/otlp/traces');
    assert.equal(tracesUrlOf({}), undefined);
  });

  test('with no endpoint, nothing is installed: work runs, no header, no log field, nothing sent', async () => {
    const telemetry = await startTelemetry({ serviceName: 'off' });
    assert.equal(telemetry.enabled, false);
    const out = lines();
    const logger = createLogger({ service: 'off', destination: out.stream, mixin: traceLogFields });
    const headers = await withSpan('work', {}, async () => {
      logger.info('inside');
      return injectTraceHeaders({ accept: 'application/json' });
    });
    assert.deepEqual(headers, { accept: 'application/json' });
    assert.equal(startRequestSpan('GET', '/x', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }), undefined);
    assert.equal(captureContext(), undefined);
    await telemetry.shutdown();
    assert.equal(out.read()[0]!.trace_id, undefined);
    assert.equal(receiver.requests(), 0);
  });

  test('spans nest, traceparent goes out and comes back in, log lines carry the ids, a group span links its callers, shutdown flushes', async () => {
    const telemetry = await startTelemetry({ serviceName: 'unit', endpoint: receiver.url, scheduledDelayMs: 60_000 });
    assert.equal(telemetry.enabled, true);
    const out = lines();
    const logger = createLogger({ service: 'unit', destination: out.stream, mixin: traceLogFields });

    const callers: ReturnType<typeof captureContext>[] = [];
    const headers = await withSpan('outer', { 'pulse.test': 'yes' }, async () => {
      logger.info('in outer');
      await withSpan('caller one', {}, async () => { callers.push(captureContext()); });
      await withSpan('caller two', {}, async () => { callers.push(captureContext()); });
      return injectTraceHeaders({} as Record<string, string>);
    });
    const [, traceId, outerSpanId] = TRACEPARENT.exec(headers.traceparent ?? '') ?? [];
    assert.ok(traceId, `traceparent ${headers.traceparent}`);
    assert.deepEqual(out.read()[0]!.trace_id, traceId);
    assert.deepEqual(out.read()[0]!.span_id, outerSpanId);

    await withSpan('continued', {}, async () => undefined, { parent: extractContext(headers) });
    await withSpan('group', {}, async () => undefined, spanSettingsForGroup(callers));
    await withSpan('alone', {}, async () => undefined, spanSettingsForGroup(callers.slice(0, 1)));
    await assert.rejects(withSpan('failing', {}, async () => { throw Object.assign(new Error('secret detail'), { code: 'BOOM' }); }));
    logger.info('outside');
    assert.equal(out.read()[1]!.trace_id, undefined);

    // Nothing leaves before the 60 s batch delay, so what arrives below came from shutdown's flush.
    assert.equal(receiver.requests(), 0);
    await telemetry.shutdown();
    const byName = new Map(receiver.spans.map((s) => [s.name, s]));
    const outer = byName.get('outer')!;
    assert.equal(outer.service, 'unit');
    assert.equal(outer.traceId, traceId);
    assert.equal(outer.spanId, outerSpanId);
    assert.equal(outer.attributes['pulse.test'], 'yes');
    assert.equal(byName.get('caller one')!.parentSpanId, outerSpanId);
    assert.equal(byName.get('continued')!.traceId, traceId);
    assert.equal(byName.get('continued')!.parentSpanId, outerSpanId);
    const group = byName.get('group')!;
    assert.notEqual(group.traceId, traceId, 'a span for two callers starts its own trace');
    assert.deepEqual(group.links.map((l) => l.spanId).sort(), [byName.get('caller one')!.spanId, byName.get('caller two')!.spanId].sort());
    assert.equal(byName.get('alone')!.parentSpanId, byName.get('caller one')!.spanId, 'with one caller, the span is its child');
    const failing = byName.get('failing')!;
    assert.equal(failing.status, 2);
    assert.equal(failing.attributes['error.type'], 'BOOM');
    assert.ok(!JSON.stringify(failing).includes('secret detail'));
    assert.equal(injectTraceHeaders({} as Record<string, string>).traceparent, undefined, 'after shutdown the helpers are pass-throughs again');
  });

  test('a request span continues the caller\'s trace and stays active in the body\'s stream events', async () => {
    const telemetry = await startTelemetry({ serviceName: 'server', endpoint: receiver.url, scheduledDelayMs: 60_000 });
    const seen: string[] = [];
    const server = createServer((request, response) => {
      const span = startRequestSpan(request.method ?? 'GET', '/echo', request.headers)!;
      span.bind(request);
      span.run(() => {
        request.on('data', () => undefined);
        request.on('end', () => {
          seen.push(traceLogFields().trace_id ?? 'none');
          response.end('ok');
          span.end(200);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const caller = '0af7651916cd43dd8448eb211c80319c';
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`, {
        method: 'POST', body: 'x'.repeat(100_000), headers: { traceparent: `00-${caller}-b7ad6b7169203331-01` },
      });
      assert.equal(await response.text(), 'ok');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await telemetry.shutdown();
    }
    assert.deepEqual(seen, [caller]);
    const span = receiver.spans.find((s) => s.service === 'server')!;
    assert.equal(span.name, 'POST /echo');
    assert.equal(span.kind, 2);
    assert.equal(span.traceId, caller);
    assert.equal(span.parentSpanId, 'b7ad6b7169203331');
    assert.equal(span.attributes['http.response.status_code'], 200);
  });
});
