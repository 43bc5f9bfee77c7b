import { join } from 'node:path';
import pg from 'pg';
import { adminCreateTenant, startApiRestarting, type ApiOptions, type RunningApi } from './api-runner.ts';
import { check, type BatteryContext, type BatteryTest, type Check, type Figures } from './battery-types.ts';
import { runProducers } from './chaos-client.ts';
import { startEarlyAckProxy } from './early-ack-proxy.ts';
import { startLossyProxy } from './lossy-proxy.ts';
import { createPostgresInstance, type PostgresInstance } from '@pulse/test-support';
import { sleep } from './ports.ts';
import { verifyDelivery, type DeliveryReport } from './verify-delivery.ts';

type Fault = 'none' | 'early-ack' | 'new-id';

/** Short enough that a slow answer is sometimes given up on: one more kind of unknown outcome. */
const REQUEST_TIMEOUT_MS = 1000;

interface ChaosPlan {
  total: number;
  producers: number;
  tenants: number;
  apiKills: number;
  pgRestarts: number;
}

const SIZES = {
  ci: { clean: { total: 5000, producers: 50, tenants: 20, apiKills: 2, pgRestarts: 1 }, faulty: { total: 1000, producers: 50, tenants: 20, apiKills: 1, pgRestarts: 1 } },
  full: { clean: { total: 100_000, producers: 50, tenants: 20, apiKills: 5, pgRestarts: 2 }, faulty: { total: 20_000, producers: 50, tenants: 20, apiKills: 2, pgRestarts: 1 } },
} satisfies Record<string, Record<string, ChaosPlan>>;

interface ChaosOutcome extends DeliveryReport {
  acked: number;
  attempts: number;
  unknownOutcomes: number;
  replays: number;
  rejected: number;
  apiKills: number;
  pgRestarts: number;
  backendsTerminated: number;
  apiCrashes: number;
  failedStarts: number;
  seconds: number;
}

/** Kills and crashes spread over the run by progress, so every one lands while producers are sending. */
function schedule(plan: ChaosPlan): ('kill' | 'crash')[] {
  const events: ('kill' | 'crash')[] = [];
  for (let i = 0; i < Math.max(plan.apiKills, plan.pgRestarts); i++) {
    if (i < plan.apiKills) events.push('kill');
    if (i < plan.pgRestarts) events.push('crash');
  }
  return events;
}

async function runChaos(context: BatteryContext, instance: PostgresInstance, plan: ChaosPlan, fault: Fault): Promise<ChaosOutcome> {
  const database = `chaos_${fault.replace('-', '_')}`;
  const admin = new pg.Client({ connectionString: instance.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const databaseUrl = instance.url(database);
  const logFile = join(context.workDir, `chaos-${fault}.log`);
  context.secrets.addLogFile(logFile);
  const apiOptions: ApiOptions = { databaseUrl, logFile, env: { DB_POOL_MAX: '10', DB_CONNECT_TIMEOUT: '1000' } };
  let failedStarts = 0;
  const restart = async (port?: number, adminToken?: string): Promise<RunningApi> => {
    const started = await startApiRestarting({ ...apiOptions, ...(port ? { port } : {}), ...(adminToken ? { adminToken } : {}) });
    failedStarts += started.failedStarts;
    return started.api;
  };
  let api: RunningApi = await restart();
  context.secrets.addSecret('admin token', api.adminToken);
  // A process that dies on its own is a crash: counted, and restarted so the run still ends.
  const killedOnPurpose = new Set<RunningApi>();
  let apiCrashes = 0;
  let stopping = false;
  const supervise = (running: RunningApi): void => {
    void running.exited.then(async () => {
      if (killedOnPurpose.has(running) || stopping) return;
      apiCrashes += 1;
      context.note(`chaos ${fault}: the API crashed:\n${running.tail().slice(-2000)}`);
      api = await restart(running.port, running.adminToken);
      supervise(api);
    });
  };
  supervise(api);
  const tenantIds = Array.from({ length: plan.tenants }, (_, i) => `chaos-${i}`);
  const tenants = [];
  for (const id of tenantIds) {
    const { key } = await adminCreateTenant(api, id);
    context.secrets.addSecret('api key', key);
    tenants.push({ id, key });
  }
  // The new-id fault needs answers that never arrive; a killed API gives too few of them to rely on.
  const proxy = fault === 'early-ack' ? await startEarlyAckProxy(api.url) : fault === 'new-id' ? await startLossyProxy(api.url, 25) : undefined;
  const started = Date.now();
  let acked = 0;
  let pgDown = false;
  let backendsTerminated = 0;
  let apiKills = 0;
  let pgRestarts = 0;
  const abort = new AbortController();
  const producing = runProducers(
    { url: proxy?.url ?? api.url, tenants, total: plan.total, concurrency: plan.producers, retryWithNewId: fault === 'new-id', requestTimeoutMs: REQUEST_TIMEOUT_MS, deadline: Date.now() + (context.size === 'ci' ? 3 : 30) * 60_000, signal: abort.signal },
    () => (acked += 1),
  );
  let finished = false;
  void producing.finally(() => (finished = true));
  const terminator = setInterval(() => {
    if (pgDown) return;
    instance.terminateBackends(database, 1).then((n) => (backendsTerminated += n), () => undefined);
  }, 400);
  let tally;
  try {
    const events = schedule(plan);
    for (const [index, event] of events.entries()) {
      while (!finished && acked < (plan.total * (index + 1)) / (events.length + 1)) await sleep(20);
      if (event === 'kill') {
        const victim = api;
        killedOnPurpose.add(victim);
        await victim.kill();
        apiKills += 1;
        await sleep(300);
        api = await restart(victim.port, victim.adminToken);
        supervise(api);
      } else {
        pgDown = true;
        await instance.crash();
        await sleep(1500);
        await instance.start();
        pgDown = false;
        pgRestarts += 1;
      }
      context.note(`chaos ${fault}: ${event} done at ${acked} acknowledged`);
    }
    tally = await producing;
  } finally {
    abort.abort();
    clearInterval(terminator);
    await producing.catch(() => undefined);
    // The early-ack proxy's last forwards may still be in flight; let them land or fail.
    await sleep(proxy ? 1500 : 0);
    await proxy?.close();
    stopping = true;
    await api.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const report = await verifyDelivery(databaseUrl, tenantIds, tally.messages);
  await context.secrets.scanDatabase(databaseUrl);
  return {
    ...report,
    acked: tally.acked,
    attempts: tally.attempts,
    unknownOutcomes: tally.unknownOutcomes,
    replays: tally.replays,
    rejected: tally.rejected,
    apiKills,
    pgRestarts,
    backendsTerminated,
    apiCrashes,
    failedStarts,
    seconds,
  };
}

/** Issue 8 test 1: 0 lost, 0 duplicated, 0 corrupted through SIGKILLs, PostgreSQL crashes and killed backends. */
export const chaosTest: BatteryTest = {
  name: 'chaos',
  async run(context) {
    const sizes = SIZES[context.size];
    const instance = await createPostgresInstance('chaos');
    try {
      const clean = await runChaos(context, instance, sizes.clean, 'none');
      const earlyAck = await runChaos(context, instance, sizes.faulty, 'early-ack');
      const newId = await runChaos(context, instance, sizes.faulty, 'new-id');
      const figures: Figures = {
        messages: sizes.clean.total,
        acked: clean.acked,
        stored: clean.stored,
        lost: clean.lost,
        duplicated: clean.duplicated,
        corrupted: clean.corrupted,
        undecided: clean.undecided,
        rejected: clean.rejected,
        unknown_outcomes: clean.unknownOutcomes,
        replays: clean.replays,
        api_kills: clean.apiKills,
        pg_restarts: clean.pgRestarts,
        backends_terminated: clean.backendsTerminated,
        api_crashes: clean.apiCrashes + earlyAck.apiCrashes + newId.apiCrashes,
        api_failed_starts: clean.failedStarts,
        msg_per_s: clean.acked / clean.seconds,
        fault_early_ack_lost: earlyAck.lost,
        fault_new_id_duplicated: newId.duplicated,
      };
      const checks: Check[] = [
        check('every message acknowledged', clean.acked === sizes.clean.total, `${clean.acked}/${sizes.clean.total}`),
        check('0 lost', clean.lost === 0, clean.lost),
        check('0 duplicated', clean.duplicated === 0, clean.duplicated),
        check('0 corrupted', clean.corrupted === 0, clean.corrupted),
        check('0 undecided', clean.undecided === 0, clean.undecided),
        check('the API never crashed by itself', clean.apiCrashes + earlyAck.apiCrashes + newId.apiCrashes === 0, clean.apiCrashes + earlyAck.apiCrashes + newId.apiCrashes),
        check('stored equals acknowledged', clean.stored === clean.acked, `${clean.stored} stored`),
        check('all API kills done', clean.apiKills === sizes.clean.apiKills, clean.apiKills),
        check('all PostgreSQL crashes done', clean.pgRestarts === sizes.clean.pgRestarts, clean.pgRestarts),
        check('the chaos caused unknown outcomes', clean.unknownOutcomes > 0, clean.unknownOutcomes),
        check('answering before commit is caught as lost', earlyAck.lost > 0, `${earlyAck.lost} lost`),
        check('retrying with a new id is caught as duplicated', newId.duplicated > 0, `${newId.duplicated} duplicated`),
        check('the faulty runs corrupt nothing else', earlyAck.corrupted + newId.corrupted === 0, earlyAck.corrupted + newId.corrupted),
      ];
      return { figures, checks };
    } finally {
      await instance.destroy();
    }
  },
};
