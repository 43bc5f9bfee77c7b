import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant, createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';
import { scrape, scrapeUntil, valueOf, type Sample } from './metrics-scrape.ts';
import { killLeftoverProducers, spawnProducer, type ProducerProcess } from './producer-process.ts';
import { startStreamProxy } from './stream-proxy.ts';

const TIMEOUT_S = 1.5;
const received = (s: Sample[], path: string): number => valueOf(s, 'pulse_canary_received_total', { path });
const lost = (s: Sample[], path: string): number => valueOf(s, 'pulse_canary_lost_total', { path });

describe('canary against a real API', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let proxy: Awaited<ReturnType<typeof startStreamProxy>>;
  let canary: ProducerProcess;
  let metricsUrl: string;

  before(async () => {
    db = await createTestDatabase('producer_canary');
    api = await startApiProcess({ databaseUrl: db.url });
    const key = await createTenant(api, 'canary');
    proxy = await startStreamProxy(api.url);
    canary = spawnProducer({ MODE: 'canary', API_URL: proxy.url, API_KEY: key, SOURCE: 'canary-test', CANARY_INTERVAL: '200ms', CANARY_TIMEOUT: `${TIMEOUT_S * 1000}ms`, REQUEST_TIMEOUT: '1s', METRICS_PORT: '0' });
    const line = await canary.waitForLog((l) => l.msg === 'metrics endpoint listening on /metrics');
    metricsUrl = `http://127.0.0.1:${String(line.metrics_port)}/metrics`;
  });
  after(async () => {
    killLeftoverProducers();
    await proxy?.close();
    await api?.stop();
    await db?.drop();
  });

  test('messages come back through the stream and the query, with their end-to-end latency', async () => {
    const s = await scrapeUntil(metricsUrl, (x) => received(x, 'stream') >= 5 && received(x, 'query') >= 5, 'five messages back on both paths');
    assert.equal(lost(s, 'stream'), 0);
    assert.equal(lost(s, 'query'), 0);
    assert.ok(valueOf(s, 'pulse_canary_sent_total') >= 5);
    for (const path of ['stream', 'query']) {
      const count = valueOf(s, 'pulse_canary_end_to_end_seconds_count', { path });
      const mean = valueOf(s, 'pulse_canary_end_to_end_seconds_sum', { path }) / count;
      assert.ok(count >= 5 && mean > 0 && mean < TIMEOUT_S, `${path}: ${count} observations, mean ${mean} s`);
    }
    assert.ok(valueOf(s, 'pulse_producer_request_duration_seconds_count', { endpoint: 'single', outcome: 'delivered' }) >= 5, 'writes are timed too');
  });

  test('a live stream that goes silent: messages are lost on the stream path only', async () => {
    proxy.silenceStreams = true;
    const start = await scrape(metricsUrl);
    const s = await scrapeUntil(metricsUrl, (x) => lost(x, 'stream') >= 3, 'three stream losses', 8_000);
    assert.equal(lost(s, 'query'), 0, 'the query still finds every message');
    assert.ok(received(s, 'query') > received(start, 'query'), 'the query path keeps working');
    assert.equal(valueOf(s, 'pulse_canary_write_failures_total'), 0, 'every write was acknowledged');
  });

  test('the API killed for longer than the timeout: writes fail and messages are lost on both paths', async () => {
    const start = await scrape(metricsUrl);
    await api.kill();
    const s = await scrapeUntil(metricsUrl, (x) => lost(x, 'query') >= 3 && lost(x, 'stream') >= lost(start, 'stream') + 3, 'losses on both paths', 8_000);
    assert.ok(valueOf(s, 'pulse_canary_write_failures_total', { reason: 'unreachable' }) >= 3);
    assert.ok(valueOf(s, 'pulse_canary_stream_reconnects_total') >= 1, 'the stream is being reconnected');
    canary.signal('SIGTERM');
    assert.equal(await canary.exited, 0, 'a stopped canary exits 0');
  });
});
