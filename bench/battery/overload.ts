import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase } from '@pulse/test-support';
import { adminCreateTenant, startApi, type RunningApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';
import { sleep } from './ports.ts';

const PHASE_MS = { ci: { steady: 2000, over: 3000, recover: 5000, noisy: 7000 }, full: { steady: 15_000, over: 20_000, recover: 12_000, noisy: 30_000 } };
const CLOSED_CLIENTS = 16;
const MAX_IN_FLIGHT = 2000;
const NOISY_QUOTA_PER_MINUTE = 600;
const RSS_LIMIT_MB = 600;

interface Outcome { at: number; ms: number; status: number; retryAfter: boolean; tenant: number }

function rssMb(pid: number): number {
  const line = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) / 1024 : 0;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

async function post(api: RunningApi, key: string, tenant: number, id: string): Promise<Outcome> {
  const at = Date.now();
  const response = await fetch(`${api.url}/api/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ datetime: new Date().toISOString(), message_id: id, source: 'overload' }),
    signal: AbortSignal.timeout(20_000),
  }).catch(() => undefined);
  await response?.arrayBuffer().catch(() => undefined);
  return { at, ms: Date.now() - at, status: response?.status ?? 0, retryAfter: Boolean(response?.headers.get('retry-after')), tenant };
}

/** Issue 8 test 4: near capacity, then three times capacity, then one noisy tenant at ten times its quota. */
export const overloadTest: BatteryTest = {
  name: 'overload',
  async run(context) {
    const ms = PHASE_MS[context.size];
    const database = await createTestDatabase('battery_overload');
    const logFile = join(context.workDir, 'overload.log');
    context.secrets.addLogFile(logFile);
    const api = await startApi({ databaseUrl: database.url, logFile, env: { LOG_LEVEL: 'warn' } });
    let seq = 0;
    let peakRss = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling && api.child.exitCode === null) {
        peakRss = Math.max(peakRss, rssMb(api.child.pid!));
        await sleep(250);
      }
    })();
    try {
      context.secrets.addSecret('admin token', api.adminToken);
      const quiet: string[] = [];
      for (let t = 0; t < 4; t++) quiet.push((await adminCreateTenant(api, `quiet-${t}`)).key);
      const noisy = (await adminCreateTenant(api, 'noisy', { rate_limit_per_minute: NOISY_QUOTA_PER_MINUTE })).key;
      [...quiet, noisy].forEach((key) => context.secrets.addSecret('api key', key));

      const closedLoop = async (durationMs: number, clients: number, pauseMs = 0): Promise<Outcome[]> => {
        const out: Outcome[] = [];
        const end = Date.now() + durationMs;
        await Promise.all(Array.from({ length: clients }, async (_, c) => {
          while (Date.now() < end) {
            out.push(await post(api, quiet[c % quiet.length]!, c % quiet.length, `q${seq++}`));
            if (pauseMs) await sleep(pauseMs);
          }
        }));
        return out;
      };
      const openLoop = async (perSecond: number, durationMs: number, key: string, tenant: number): Promise<{ out: Outcome[]; shed: number }> => {
        const out: Outcome[] = [];
        const pending = new Set<Promise<void>>();
        let shed = 0;
        const started = Date.now();
        // Arrivals follow the clock, not the loop: a late tick sends what fell due meanwhile.
        for (let tick = 0, launched = 0; Date.now() - started < durationMs; tick++) {
          const due = Math.floor(((Date.now() - started) * perSecond) / 1000) - launched;
          launched += due;
          for (let i = 0; i < due; i++) {
            if (pending.size >= MAX_IN_FLIGHT) { shed += 1; continue; }
            const p: Promise<void> = post(api, key, tenant, `o${seq++}`).then((o) => { out.push(o); pending.delete(p); });
            pending.add(p);
          }
          await sleep(Math.max(0, started + (tick + 1) * 10 - Date.now()));
        }
        await Promise.all(pending);
        return { out, shed };
      };

      context.note('steady load near capacity');
      const steady = await closedLoop(ms.steady, CLOSED_CLIENTS);
      const capacity = steady.filter((o) => o.status === 201).length / (ms.steady / 1000);
      const baselineP99 = p99(steady.map((o) => o.ms));
      context.note(`capacity ${capacity.toFixed(0)}/s, p99 ${baselineP99} ms; now 3×`);
      const overloads = await Promise.all(quiet.map((key, t) => openLoop((3 * capacity) / quiet.length, ms.over, key, t)));
      const over = overloads.flatMap((o) => o.out);
      const overEnded = Date.now();
      const badRefusals = over.filter((o) => o.status !== 201 && !((o.status === 429 || o.status === 503) && o.retryAfter));
      context.note('recovery');
      const recovery = await closedLoop(ms.recover, CLOSED_CLIENTS);
      const target = Math.max(2 * baselineP99, baselineP99 + 50);
      let recoveredAfter = -1;
      for (let second = 0; second * 1000 < ms.recover; second++) {
        const slice = recovery.filter((o) => o.at - overEnded >= second * 1000 && o.at - overEnded < (second + 1) * 1000);
        if (slice.length > 0 && slice.every((o) => o.status === 201) && p99(slice.map((o) => o.ms)) <= target) {
          recoveredAfter = (slice[0]!.at - overEnded + Math.max(...slice.map((o) => o.ms))) / 1000;
          break;
        }
      }
      context.note('noisy tenant at 10× its quota');
      const [noisyRun, quietRun] = await Promise.all([
        openLoop((10 * NOISY_QUOTA_PER_MINUTE) / 60, ms.noisy, noisy, -1),
        closedLoop(ms.noisy, 4, 20),
      ]);
      const noisyAccepted = noisyRun.out.filter((o) => o.status === 201).length;
      const noisyBad = noisyRun.out.filter((o) => o.status !== 201 && !(o.status === 429 && o.retryAfter));
      const quietOk = quietRun.filter((o) => o.status === 201).length;
      const quietSuccess = quietOk / Math.max(1, quietRun.length);
      const alive = api.child.exitCode === null;
      return {
        figures: {
          capacity_per_s: capacity,
          baseline_p99_ms: baselineP99,
          over_requests: over.length,
          over_accepted: over.filter((o) => o.status === 201).length,
          over_429: over.filter((o) => o.status === 429).length,
          over_503: over.filter((o) => o.status === 503).length,
          over_other: badRefusals.length,
          over_client_shed: overloads.reduce((n, o) => n + o.shed, 0),
          over_p99_ms: p99(over.map((o) => o.ms)),
          recovered_after_s: recoveredAfter,
          peak_rss_mb: peakRss,
          noisy_sent: noisyRun.out.length,
          noisy_accepted: noisyAccepted,
          noisy_429: noisyRun.out.filter((o) => o.status === 429).length,
          quiet_requests: quietRun.length,
          quiet_success_pct: quietSuccess * 100,
        },
        checks: [
          check('no crash', alive, api.tail().slice(-500)),
          check('the excess got 429 or 503 with Retry-After', badRefusals.length === 0, badRefusals.slice(0, 3).map((o) => `${o.status} in ${o.ms} ms`).join(', ') || 'all'),
          check('memory bounded', peakRss > 0 && peakRss < RSS_LIMIT_MB, `${peakRss.toFixed(0)} MB`),
          check('latency recovers within 10 s', recoveredAfter >= 0 && recoveredAfter <= 10, `${recoveredAfter} s (p99 target ${target} ms)`),
          check('the noisy tenant is held to its quota with 429 + Retry-After', noisyBad.length === 0 && noisyAccepted <= (Math.ceil(ms.noisy / 60_000) + 1) * NOISY_QUOTA_PER_MINUTE && noisyAccepted < noisyRun.out.length, `${noisyAccepted} of ${noisyRun.out.length} accepted, ${noisyBad.length} other`),
          check('quiet tenants keep >= 99.9% success', quietSuccess >= 0.999 && quietRun.length > 0, `${quietOk} of ${quietRun.length}`),
        ],
      };
    } finally {
      sampling = false;
      await sampler;
      await api.stop();
      await database.drop();
    }
  },
};
