import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '@pulse/test-support';
import { adminCreateTenant, startApi, type RunningApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';
import { sleep } from './ports.ts';
import { startReadyProxy } from './ready-proxy.ts';

const RESTARTS = { ci: 2, full: 10 };
const WRITERS = 12;
const READERS = 2;
const TENANTS = 4;

/** Issue 8 test 7: rolling SIGTERM restarts of one of two API processes behind a readiness-aware proxy, under load. */
export const restartsTest: BatteryTest = {
  name: 'restarts',
  async run(context) {
    const database = await createTestDatabase('battery_restarts');
    const logFile = join(context.workDir, 'restarts.log');
    context.secrets.addLogFile(logFile);
    const options = { databaseUrl: database.url, logFile, env: { SHUTDOWN_DELAY: '1s' } };
    const first = await startApi(options);
    const instances: RunningApi[] = [first, await startApi({ ...options, adminToken: first.adminToken })];
    context.secrets.addSecret('admin token', first.adminToken);
    const proxy = await startReadyProxy();
    proxy.setBackends(instances.map((i) => i.port));
    let running = true;
    try {
      const keys: string[] = [];
      for (let t = 0; t < TENANTS; t++) keys.push((await adminCreateTenant(first, `restart-${t}`)).key);
      keys.forEach((key) => context.secrets.addSecret('api key', key));
      while ((await fetch(`${proxy.url}/readyz`)).status !== 200) await sleep(100);

      const acked = new Map<string, Set<string>>(keys.map((key) => [key, new Set<string>()]));
      const failed: string[] = [];
      let sent = 0;
      let reads = 0;
      const writer = async (w: number): Promise<void> => {
        const key = keys[w % keys.length]!;
        for (let n = 0; running; n++) {
          const batch = n % 5 === 4;
          const ids = batch ? [0, 1, 2, 3, 4].map((i) => `w${w}-${n}-${i}`) : [`w${w}-${n}`];
          const messages = ids.map((message_id) => ({ datetime: new Date().toISOString(), message_id, source: 'restarts', payload: { w, n } }));
          sent += ids.length;
          const response = await fetch(`${proxy.url}${batch ? '/api/messages/batch' : '/api/messages'}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(batch ? { messages } : messages[0]),
            signal: AbortSignal.timeout(15_000),
          }).catch((error: Error) => error);
          if (response instanceof Error) {
            failed.push(`write: ${response.message}`);
            continue;
          }
          const text = await response.text();
          const stored = batch ? response.status === 200 && (JSON.parse(text) as { stored: number }).stored === ids.length : response.status === 201;
          if (stored) ids.forEach((id) => acked.get(key)!.add(id));
          else failed.push(`write ${response.status} ${text.slice(0, 120)}`);
        }
      };
      const reader = async (r: number): Promise<void> => {
        while (running) {
          const response = await fetch(`${proxy.url}/api/messages?limit=20`, { headers: { authorization: `Bearer ${keys[r % keys.length]}` }, signal: AbortSignal.timeout(15_000) }).catch((error: Error) => error);
          if (response instanceof Error) failed.push(`read: ${response.message}`);
          else if (response.status !== 200) failed.push(`read ${response.status} ${(await response.text()).slice(0, 120)}`);
          else await response.arrayBuffer();
          reads += 1;
        }
      };
      const loadStarted = Date.now();
      const load = Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), ...Array.from({ length: READERS }, (_, r) => reader(r))]);
      await sleep(1500);
      const exitCodes: (number | null)[] = [];
      const restartMs: number[] = [];
      for (let r = 0; r < RESTARTS[context.size]; r++) {
        const slot = r % 2;
        const started = Date.now();
        exitCodes.push(await instances[slot]!.stop());
        const fresh = await startApi({ ...options, adminToken: first.adminToken });
        instances[slot] = fresh;
        proxy.setBackends(instances.map((i) => i.port));
        restartMs.push(Date.now() - started);
        context.note(`restart ${r + 1}: ${restartMs.at(-1)} ms, exit ${exitCodes.at(-1)}`);
        await sleep(1000);
      }
      await sleep(1000);
      running = false;
      await load;
      const loadEnded = Date.now();

      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      let lost = 0;
      let duplicated = 0;
      let ackedTotal = 0;
      for (const [t, key] of keys.entries()) {
        const rows = await db.query<{ message_id: string }>(`SELECT message_id FROM "tenant_restart-${t}".messages`);
        const stored = new Set(rows.rows.map((row) => row.message_id));
        duplicated += rows.rows.length - stored.size;
        for (const id of acked.get(key)!) if (!stored.has(id)) lost += 1;
        ackedTotal += acked.get(key)!.size;
      }
      await db.end();
      const restartSeconds = restartMs.reduce((a, b) => a + b, 0) / 1000;
      return {
        figures: {
          restarts: exitCodes.length,
          sent,
          acked: ackedTotal,
          reads,
          failed: failed.length,
          lost,
          duplicated,
          proxy_no_backend: proxy.failures.noBackend,
          proxy_backend_errors: proxy.failures.backendError,
          mean_restart_s: exitCodes.length ? restartSeconds / exitCodes.length : 0,
          msg_per_s: ackedTotal / ((loadEnded - loadStarted) / 1000),
        },
        checks: [
          check('0 failed requests', failed.length === 0, failed.slice(0, 5).join('; ') || 'none'),
          check('0 lost, 0 duplicated', lost === 0 && duplicated === 0, `${lost} lost, ${duplicated} duplicated of ${ackedTotal}`),
          check('every stopped instance exited 0', exitCodes.every((c) => c === 0), exitCodes.join(',')),
          check('load ran throughout', ackedTotal > 0 && reads > 0, `${ackedTotal} acked, ${reads} reads`),
        ],
      };
    } finally {
      running = false;
      await proxy.close();
      await Promise.all(instances.map((i) => i.stop()));
      await context.secrets.scanDatabase(database.url).catch(() => undefined);
      await database.drop();
    }
  },
};
