import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStream } from './sse-client.ts';
import { call, startTestApi, type TestApi } from './support.ts';

function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? wanted.every((w) => l.includes(w)) : false);
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('/metrics after real traffic', () => {
  let api: TestApi;
  let key: string;
  before(async () => {
    api = await startTestApi();
    key = await api.createTenant('metered');
  });
  after(() => api.close());

  test('counters move for requests, stored, duplicate and rejected messages, batches, streams and the pool', async () => {
    const before = (await call(`${api.url}/metrics`)).body as string;
    assert.equal(value(before, 'pulse_messages_stored_total', { tenant: 'metered' }), 0);
    const stream = await openStream(`${api.url}/api/messages/stream`, key);
    const sent = new Date().toISOString();
    await call(`${api.url}/api/messages`, { key, body: { datetime: sent, message_id: 'one' } });
    await call(`${api.url}/api/messages`, { key, body: { datetime: sent, message_id: 'one' } });
    await call(`${api.url}/api/messages`, { key, body: { datetime: '2020-01-01T00:00:00Z', message_id: 'one' } });
    await call(`${api.url}/api/messages`, { key, body: { datetime: 'nonsense' } });
    await call(`${api.url}/api/messages/batch`, { key, body: { messages: [{ datetime: new Date().toISOString() }, { datetime: 'bad' }] } });
    await stream.waitFor(2);
    const text = (await call(`${api.url}/metrics`)).body as string;
    stream.close();
    assert.equal(value(text, 'pulse_messages_stored_total', { tenant: 'metered' }), 2);
    assert.equal(value(text, 'pulse_messages_duplicate_total', { tenant: 'metered' }), 1);
    assert.equal(value(text, 'pulse_messages_rejected_total', { reason: 'VALIDATION_FAILED', tenant: 'metered' }), 2);
    assert.equal(value(text, 'pulse_messages_rejected_total', { reason: 'IDEMPOTENCY_KEY_REUSED', tenant: 'metered' }), 1);
    assert.equal(value(text, 'pulse_http_requests_total', { route: '/api/messages', status: '201' }), 1);
    assert.equal(value(text, 'pulse_http_requests_total', { route: '/api/messages', status: '400' }), 1);
    assert.equal(value(text, 'pulse_batch_messages_count'), 1);
    assert.ok(value(text, 'pulse_commit_messages_count') >= 1);
    assert.ok(value(text, 'pulse_ingest_latency_seconds_count') >= 2);
    assert.ok(value(text, 'pulse_stream_delivery_latency_seconds_count') >= 2);
    assert.equal(value(text, 'pulse_stream_subscribers'), 1);
    assert.ok(value(text, 'pulse_db_pool_connections', { state: 'max' }) > 0);
    assert.ok(value(text, 'pulse_db_query_duration_seconds_count', { operation: 'insert' }) >= 2);
    assert.ok(text.includes('process_resident_memory_bytes'));
  });

  test('tenant labels are bounded', async () => {
    const { TenantLabel } = await import('../src/metrics/tenant-label.ts');
    const labels = new TenantLabel(2);
    assert.deepEqual(['a', 'b', 'c', 'a', undefined].map((t) => labels.of(t)), ['a', 'b', 'other', 'a', 'none']);
  });
});
