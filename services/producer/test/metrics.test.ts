import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant, createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';
import { startProxy } from './forwarding-proxy.ts';
import { scrape, scrapeUntil, valueOf } from './metrics-scrape.ts';
import { FAST_RETRIES, freePort, killLeftoverProducers, runProducer, spawnProducer, tempSpool } from './producer-process.ts';

/** Debian's prometheus-pushgateway, on a free port; the test fails (not skips) without it. */
async function startPushgateway(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`prometheus-pushgateway is required (apt-get install prometheus-pushgateway): ${error.message}`))));
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 100; i += 1) {
      if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the Pushgateway did not start within 5 s');
  })();
  await Promise.race([ready, failed]);
  return { url, child };
}

describe('producer metrics after real traffic', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let key: string;

  before(async () => {
    db = await createTestDatabase('producer_metrics');
    api = await startApiProcess({ databaseUrl: db.url });
    key = await createTenant(api, 'metered');
  });
  after(async () => {
    killLeftoverProducers();
    await api?.stop();
    await db?.drop();
  });

  test('interval mode: /metrics counts sent, spooled and timed requests, then retries, failures and spool depth in an outage', async () => {
    let outage = false;
    const proxy = await startProxy(api.url, () => (outage ? { status: 503, headers: { 'retry-after': '0' }, body: '{"error":"down","code":"SERVICE_UNAVAILABLE"}' } : 'forward'));
    const producer = spawnProducer({ MODE: 'interval', INTERVAL: '100ms', API_URL: proxy.url, API_KEY: key, SPOOL_DIR: await tempSpool(), METRICS_PORT: '0', ...FAST_RETRIES, RETRY_MAX_TIME: '200ms' });
    try {
      const line = await producer.waitForLog((l) => l.msg === 'metrics endpoint listening on /metrics');
      const url = `http://127.0.0.1:${String(line.metrics_port)}/metrics`;
      const healthy = await scrapeUntil(url, (s) => valueOf(s, 'pulse_producer_messages_sent_total', { status: 'stored' }) >= 3, 'three messages stored');
      assert.ok(valueOf(healthy, 'pulse_producer_messages_spooled_total') >= 3);
      assert.ok(valueOf(healthy, 'pulse_producer_request_duration_seconds_count', { endpoint: 'single', outcome: 'delivered' }) >= 3);
      assert.equal(valueOf(healthy, 'pulse_producer_messages_failed_total'), 0);
      assert.ok(valueOf(healthy, 'process_resident_memory_bytes') > 0, 'process metrics are there');

      outage = true;
      const down = await scrapeUntil(url, (s) => valueOf(s, 'pulse_producer_spool_messages') >= 3 && valueOf(s, 'pulse_producer_messages_failed_total', { reason: 'unreachable' }) >= 2, 'spool growing in the outage');
      assert.ok(valueOf(down, 'pulse_producer_retries_total') >= 2);

      outage = false;
      await scrapeUntil(url, (s) => valueOf(s, 'pulse_producer_spool_messages') === 0, 'the spool drained');
      assert.equal(await fetch(url.replace('/metrics', '/other')).then((r) => r.status), 404);
    } finally {
      producer.signal('SIGTERM');
      assert.equal(await producer.exited, 0);
      await proxy.close();
    }
  });

  test('once mode: the run pushes its metrics and exit code to a real Pushgateway', async () => {
    const gateway = await startPushgateway();
    try {
      const run = await runProducer({ API_URL: api.url, API_KEY: key, SPOOL_DIR: await tempSpool(), SOURCE: 'cron-a', ENVIRONMENT: 'prod,test', PUSHGATEWAY_URL: gateway.url });
      assert.equal(run.code, 0, run.stderr);
      const samples = (await scrape(`${gateway.url}/metrics`)).filter((s) => s.labels.job === 'pulse-producer' && s.labels.source === 'cron-a');
      assert.equal(valueOf(samples, 'pulse_producer_messages_sent_total', { status: 'stored' }), 2);
      assert.equal(valueOf(samples, 'pulse_producer_last_run_exit_code'), 0);
      assert.equal(valueOf(samples, 'pulse_producer_spool_messages'), 0);
      assert.ok(valueOf(samples, 'push_time_seconds') > 0);

      const refused = await runProducer({ API_URL: api.url, API_KEY: 'pulse_wrong', SPOOL_DIR: await tempSpool(), SOURCE: 'cron-a', PUSHGATEWAY_URL: gateway.url, ...FAST_RETRIES });
      assert.equal(refused.code, 3);
      const after = (await scrape(`${gateway.url}/metrics`)).filter((s) => s.labels.source === 'cron-a');
      assert.equal(valueOf(after, 'pulse_producer_last_run_exit_code'), 3, 'the next run replaces the group');
      assert.equal(valueOf(after, 'pulse_producer_messages_failed_total', { reason: 'refused' }), 1);
      assert.equal(valueOf(after, 'pulse_producer_spool_messages'), 1);
    } finally {
      gateway.child.kill('SIGTERM');
    }
  });
});
