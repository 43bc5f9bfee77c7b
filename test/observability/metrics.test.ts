import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant, createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';
import { scrape, scrapeUntil, valueOf, type Sample } from '../../services/producer/test/metrics-scrape.ts';
import { killLeftoverProducers, spawnProducer, tempSpool, type ProducerProcess } from '../../services/producer/test/producer-process.ts';
import { alerts, dashboard, metricNames } from './observability-files.ts';

/** Added by Prometheus to every target, not exported by a service. */
const SYNTHETIC = new Set(['up']);

async function metricsUrlOf(process: ProducerProcess): Promise<string> {
  const line = await process.waitForLog((l) => l.msg === 'metrics endpoint listening on /metrics');
  return `http://127.0.0.1:${String(line.metrics_port)}/metrics`;
}

async function post(url: string, key: string, body: unknown): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.text();
  return response.status;
}

describe('metric names in the dashboard and alerts exist in the services after real traffic', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let producerUrl: string;
  let canaryUrl: string;
  let apiBefore: Sample[];
  const scrapes = new Map<string, Sample[]>();

  before(async () => {
    db = await createTestDatabase('observability');
    api = await startApiProcess({ databaseUrl: db.url });
    const key = await createTenant(api, 'observed');
    const canaryKey = await createTenant(api, 'canary');
    apiBefore = await scrape(`${api.url}/metrics`);
    const common = { API_URL: api.url, METRICS_PORT: '0', REQUEST_TIMEOUT: '2s' };
    const producer = spawnProducer({ ...common, MODE: 'interval', INTERVAL: '200ms', API_KEY: key, SPOOL_DIR: await tempSpool(), SOURCE: 'observed-producer' });
    const canary = spawnProducer({ ...common, MODE: 'canary', CANARY_INTERVAL: '200ms', CANARY_TIMEOUT: '3s', API_KEY: canaryKey, SOURCE: 'canary' });
    [producerUrl, canaryUrl] = await Promise.all([metricsUrlOf(producer), metricsUrlOf(canary)]);
    // Traffic that makes the labelled series appear: a duplicate, a refusal and a batch.
    const message = { datetime: new Date().toISOString(), message_id: 'observed-1', environment: 'prod' };
    assert.equal(await post(`${api.url}/api/messages`, key, message), 201);
    assert.equal(await post(`${api.url}/api/messages`, key, message), 200, 'a replay');
    assert.equal(await post(`${api.url}/api/messages`, key, { datetime: 'not a date' }), 400);
    assert.equal(await post(`${api.url}/api/messages/batch`, key, { messages: [{ datetime: new Date().toISOString() }, { datetime: 'bad' }] }), 200);
    scrapes.set('canary', await scrapeUntil(canaryUrl, (s) => valueOf(s, 'pulse_canary_received_total', { path: 'stream' }) >= 3 && valueOf(s, 'pulse_canary_received_total', { path: 'query' }) >= 3, 'canary messages back on both paths'));
    scrapes.set('producer', await scrapeUntil(producerUrl, (s) => valueOf(s, 'pulse_producer_messages_sent_total', { status: 'stored' }) >= 3, 'producer messages stored'));
    scrapes.set('api', await scrape(`${api.url}/metrics`));
  });
  after(async () => {
    killLeftoverProducers();
    await api?.stop();
    await db?.drop();
  });

  test('every metric the alerts and the dashboard read is exported (histograms by their _bucket series)', () => {
    const exported = new Set([...scrapes.values()].flatMap((samples) => samples.map((s) => s.name)));
    const used = new Map<string, string>();
    for (const rule of alerts()) for (const name of metricNames(rule.expr)) used.set(name, `alert ${rule.alert}`);
    for (const panel of dashboard().panels) for (const target of panel.targets ?? []) for (const name of metricNames(target.expr)) used.set(name, `panel "${panel.title}"`);
    assert.ok(used.size >= 20, `found ${used.size} metric names`);
    const missing = [...used].filter(([name]) => !SYNTHETIC.has(name) && !exported.has(name)).map(([name, where]) => `${name} (${where})`);
    assert.deepEqual(missing, [], 'names used but not exported by the API, the producer or the canary');
  });

  test("the API's counters moved with the traffic", () => {
    const now = scrapes.get('api')!;
    const moved = (name: string, labels: Record<string, string> = {}): number => valueOf(now, name, labels) - valueOf(apiBefore, name, labels);
    assert.ok(moved('pulse_messages_stored_total', { tenant: 'observed' }) >= 5, 'messages stored for the tenant');
    assert.ok(moved('pulse_messages_stored_total', { tenant: 'canary' }) >= 3, 'canary messages stored');
    assert.equal(moved('pulse_messages_duplicate_total', { tenant: 'observed' }), 1);
    assert.equal(moved('pulse_messages_rejected_total', { tenant: 'observed', reason: 'VALIDATION_FAILED' }), 2);
    assert.ok(moved('pulse_http_requests_total', { route: '/api/messages', status: '201' }) >= 5);
    assert.ok(moved('pulse_stream_delivery_latency_seconds_count') >= 3, 'the canary stream received messages');
    assert.ok(valueOf(now, 'pulse_stream_subscribers') >= 1, 'the canary holds a live stream');
  });

  test("the producer's and the canary's counters keep moving between two scrapes", async () => {
    const [producerThen, canaryThen] = [scrapes.get('producer')!, scrapes.get('canary')!];
    const sent = valueOf(producerThen, 'pulse_producer_messages_sent_total');
    await scrapeUntil(producerUrl, (s) => valueOf(s, 'pulse_producer_messages_sent_total') > sent && valueOf(s, 'pulse_producer_request_duration_seconds_count') > valueOf(producerThen, 'pulse_producer_request_duration_seconds_count'), 'producer counters moving');
    const received = valueOf(canaryThen, 'pulse_canary_received_total');
    const canaryNow = await scrapeUntil(canaryUrl, (s) => valueOf(s, 'pulse_canary_received_total') > received && valueOf(s, 'pulse_canary_sent_total') > valueOf(canaryThen, 'pulse_canary_sent_total'), 'canary counters moving');
    assert.equal(valueOf(canaryNow, 'pulse_canary_lost_total'), 0, 'nothing lost on a healthy API');
  });
});
