import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PULSE_BIN, REPOSITORY_ROOT } from '@pulse/test-support';
import { adminCreateTenant, startApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';
import { createPostgresInstance } from '@pulse/test-support';
import { sleep } from './ports.ts';

const DOWN_MS = { ci: 6_000, full: 30_000 };
const CLIENTS = 8;
const ANSWER_WITHIN_MS = 2_000;

function spooled(dir: string): number {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).length;
}

interface Answer {
  started: number;
  ms: number;
  status: number;
  retryAfter: boolean;
}

/** Issue 8 test 6: PostgreSQL down under load; 503 with Retry-After within 2 s, readiness fails, recovery by itself, the producer delivers its spool once. */
export const outageTest: BatteryTest = {
  name: 'outage',
  async run(context) {
    const instance = await createPostgresInstance('outage');
    const logFile = join(context.workDir, 'outage.log');
    context.secrets.addLogFile(logFile);
    const spoolDir = join(context.workDir, 'outage-spool');
    mkdirSync(spoolDir, { recursive: true });
    const api = await startApi({ databaseUrl: instance.url(), logFile });
    let producer: ReturnType<typeof spawn> | undefined;
    let running = true;
    try {
      context.secrets.addSecret('admin token', api.adminToken);
      const { key } = await adminCreateTenant(api, 'outage');
      context.secrets.addSecret('api key', key);
      producer = spawn(process.execPath, [PULSE_BIN, 'producer'], {
        cwd: REPOSITORY_ROOT,
        env: { PATH: process.env.PATH ?? '', API_URL: api.url, API_KEY: key, MODE: 'interval', INTERVAL: '200ms', PAYLOAD: 'sensor', SOURCE: 'outage-producer', SPOOL_DIR: spoolDir, RETRY_MAX_TIME: '2s', RETRY_MAX_DELAY: '500ms', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const producerLog = join(context.workDir, 'outage-producer.log');
      context.secrets.addLogFile(producerLog);
      producer.stdout!.on('data', (chunk: Buffer) => appendFileSync(producerLog, chunk));
      producer.stderr!.on('data', (chunk: Buffer) => appendFileSync(producerLog, chunk));
      const producerExit = new Promise<number | null>((resolve) => producer!.once('exit', (code) => resolve(code)));

      const answers: Answer[] = [];
      const readiness: { at: number; status: number }[] = [];
      let seq = 0;
      const client = async (): Promise<void> => {
        while (running) {
          const started = Date.now();
          const read = seq % 4 === 0;
          const response = await fetch(read ? `${api.url}/api/messages?limit=5` : `${api.url}/api/messages`, {
            method: read ? 'GET' : 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: read ? undefined : JSON.stringify({ datetime: new Date().toISOString(), message_id: `load-${seq++}`, source: 'outage-load' }),
            signal: AbortSignal.timeout(10_000),
          }).catch(() => undefined);
          await response?.arrayBuffer().catch(() => undefined);
          answers.push({ started, ms: Date.now() - started, status: response?.status ?? 0, retryAfter: Boolean(response?.headers.get('retry-after')) });
          await sleep(20);
        }
      };
      const prober = async (): Promise<void> => {
        while (running) {
          const response = await fetch(`${api.url}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
          readiness.push({ at: Date.now(), status: response?.status ?? 0 });
          await sleep(250);
        }
      };
      const load = Promise.all([...Array.from({ length: CLIENTS }, client), prober()]);
      await sleep(2000);
      await instance.crash();
      const downAt = Date.now();
      context.note(`PostgreSQL down for ${DOWN_MS[context.size] / 1000} s`);
      await sleep(DOWN_MS[context.size]);
      const upAt = Date.now();
      await instance.start();
      const backAt = Date.now();
      let recoveredAt: number | undefined;
      while (Date.now() - backAt < 30_000) {
        const firstGood = answers.find((a) => a.started >= backAt && a.status >= 200 && a.status < 300);
        if (firstGood) {
          recoveredAt = firstGood.started + firstGood.ms;
          break;
        }
        await sleep(100);
      }
      // Let the producer drain its spool, then stop everything.
      const spoolDeadline = Date.now() + 30_000;
      while (spooled(spoolDir) > 0 && Date.now() < spoolDeadline) await sleep(200);
      await sleep(1000);
      running = false;
      await load;
      producer.kill('SIGTERM');
      const producerCode = await producerExit;
      const spooledAtStop = spooled(spoolDir);
      // What a stop leaves spooled is delivered by the next run, as a restarted pod would.
      const drain = spawn(process.execPath, [PULSE_BIN, 'producer'], {
        cwd: REPOSITORY_ROOT,
        env: { PATH: process.env.PATH ?? '', API_URL: api.url, API_KEY: key, MODE: 'once', SOURCE: 'outage-next-run', SPOOL_DIR: spoolDir, LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      const drainCode = await new Promise<number | null>((resolve) => drain.once('exit', (code) => resolve(code)));
      const spoolLeft = spooled(spoolDir);
      const rejectedDir = join(spoolDir, 'rejected');
      const rejectedFiles = readdirSync(spoolDir).includes('rejected') ? readdirSync(rejectedDir).length : 0;

      const during = answers.filter((a) => a.started > downAt + 100 && a.started + a.ms < upAt);
      const bad = during.filter((a) => a.status !== 503 || !a.retryAfter || a.ms > ANSWER_WITHIN_MS);
      const readyDuring = readiness.filter((r) => r.at > downAt + 500 && r.at < upAt);
      const db = new pg.Client({ connectionString: instance.url() });
      await db.connect();
      const counters = await db.query<{ counter: number; copies: number }>(
        "SELECT (payload->>'counter')::int AS counter, count(*)::int AS copies FROM tenant_outage.messages WHERE source = 'outage-producer' GROUP BY 1 ORDER BY 1",
      );
      await db.end();
      const produced = counters.rows.length === 0 ? 0 : counters.rows.at(-1)!.counter;
      const duplicated = counters.rows.reduce((n, r) => n + r.copies - 1, 0);
      const missing = produced - counters.rows.length;
      const spanDown = (DOWN_MS[context.size] / 200) * 0.8;
      return {
        figures: {
          down_s: (upAt - downAt) / 1000,
          answers_during: during.length,
          not_503_fast: bad.length,
          max_answer_ms: Math.max(0, ...during.map((a) => a.ms)),
          readiness_probes_during: readyDuring.length,
          readiness_ok_during: readyDuring.filter((r) => r.status === 200).length,
          recovery_s: recoveredAt === undefined ? -1 : (recoveredAt - backAt) / 1000,
          producer_messages: produced,
          producer_missing: missing,
          producer_duplicated: duplicated,
          spooled_at_stop: spooledAtStop,
          spool_left: spoolLeft,
          spool_rejected: rejectedFiles,
        },
        checks: [
          check('answers during the outage', during.length > 0, during.length),
          check('every answer during the outage is 503 with Retry-After within 2 s', bad.length === 0, bad.slice(0, 3).map((a) => `${a.status} in ${a.ms} ms`).join(', ') || 'all'),
          check('readiness fails during the outage', readyDuring.length > 0 && readyDuring.every((r) => r.status === 503), `${readyDuring.filter((r) => r.status !== 503).length} not 503`),
          check('service resumes by itself within 10 s', recoveredAt !== undefined && recoveredAt - backAt < 10_000, recoveredAt === undefined ? 'never' : `${recoveredAt - backAt} ms`),
          check('the producer kept producing through the outage', produced >= spanDown, `${produced} messages`),
          check('the producer delivered everything exactly once', missing === 0 && duplicated === 0 && spoolLeft === 0 && rejectedFiles === 0 && drainCode === 0, `${missing} missing, ${duplicated} duplicated, ${spoolLeft} still spooled, ${rejectedFiles} rejected, next run exit ${drainCode}`),
          check('the producer stopped cleanly', producerCode === 0, String(producerCode)),
        ],
      };
    } finally {
      running = false;
      producer?.kill('SIGKILL');
      await api.stop();
      await context.secrets.scanDatabase(instance.url()).catch(() => undefined);
      await instance.destroy();
    }
  },
};
