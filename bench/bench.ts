import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase } from './bench-database.ts';
import { benchTenant, type BenchContext } from './context.ts';
import type { LoadResult } from './load.ts';
import { bulkInsert, measureBatchIngest, type BatchResult, type BulkResult } from './measurements/batch.ts';
import { measureEmbedded, type EmbeddedResult } from './measurements/embedded.ts';
import { measureCeiling, measureNaive, measureSingleIngest, measureWithoutKeyCache, type IngestLevel } from './measurements/ingest.ts';
import { measureReads, type ReadsResult } from './measurements/reads.ts';
import { measureFanOut, type FanOutResult } from './measurements/stream.ts';
import { measureTenantSpread, type SpreadResult } from './measurements/tenants.ts';
import type { BenchPlan } from './plan.ts';
import { residentMemory, startApi } from './processes.ts';
import { judge, type Verdict } from './report.ts';

export interface BenchFigures {
  ceiling: LoadResult;
  naive: LoadResult;
  naiveDdl: LoadResult;
  ingest: IngestLevel[];
  withoutKeyCache: LoadResult;
  spread: SpreadResult;
  bulk: BulkResult;
  batch: BatchResult;
  reads: ReadsResult;
  stream: { one: FanOutResult; many: FanOutResult };
  embedded: EmbeddedResult;
  memory: { idleMb: number; afterLoadMb: number; peakMb: number };
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  node: string;
  postgres: string;
  /** 1-minute load average at the start and the end: other work on a shared machine shows here. */
  loadAverage: { start: number; end: number };
}

export interface BenchRun {
  date: string;
  quick: boolean;
  plan: BenchPlan;
  machine: Machine;
  seconds: number;
  figures: BenchFigures;
  verdicts: Verdict[];
}

export interface BenchOptions {
  plan: BenchPlan;
  serverUrl: string;
  resultsDir: string;
  log: (line: string) => void;
}

/** Every measurement in one process run, so each figure has its baseline from the same minutes on the same machine. */
export async function runBench(options: BenchOptions): Promise<{ run: BenchRun; file: string }> {
  const { plan } = options;
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  const log = (line: string): void => options.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  const db = await createBenchDatabase(options.serverUrl);
  try {
    const api = await startApi({ databaseUrl: db.url });
    let stopped = false;
    try {
      const ctx: BenchContext = { plan, db, api, log };
      const postgres = await db.withClient(async (c) => (await c.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v);
      const idleMb = residentMemory(api.pid).rssMb;

      log('(1) ceiling: bare node:http');
      const ceiling = await measureCeiling(ctx);
      log('    comparison: naive Fastify + pg, one commit per request; then with per-request DDL as the original did');
      const naive = await measureNaive(ctx, 'plain');
      const naiveDdl = await measureNaive(ctx, 'ddl');
      log('(2) single-message ingest');
      const ingest = await measureSingleIngest(ctx);
      log('    comparison: the same API with the key cache off (KEY_CACHE_TTL=0)');
      const withoutKeyCache = await measureWithoutKeyCache(ctx);
      log(`(4) ingest spread over ${plan.tenants} tenants`);
      const spread = await measureTenantSpread(ctx);
      log(`(3) bulk insert baseline: ${plan.readRows} rows with INSERT … SELECT generate_series`);
      const large = await benchTenant(ctx, 'large');
      const bulk = await bulkInsert(ctx, large, plan.readRows);
      log(`    batch ingest, ${plan.batchSize}-message batches`);
      const batch = await measureBatchIngest(ctx);
      log(`(5) newest ${plan.readLimit} at ${plan.readRows} rows`);
      const small = await benchTenant(ctx, 'small');
      await bulkInsert(ctx, small, plan.readLimit * 10);
      const reads = await measureReads(ctx, { large, small, empty: await benchTenant(ctx, 'empty') });
      log(`(6) live stream: 1 subscriber, then ${plan.subscribers}`);
      const one = await measureFanOut(ctx, await benchTenant(ctx, 'stream-one'), 1);
      const many = await measureFanOut(ctx, await benchTenant(ctx, 'stream-many'), plan.subscribers);
      const after = residentMemory(api.pid);
      await api.stop();
      stopped = true;
      log('(7) embedded PGlite ingest');
      const embedded = await measureEmbedded(ctx);

      const figures: BenchFigures = {
        ceiling,
        naive,
        naiveDdl,
        ingest,
        withoutKeyCache,
        spread,
        bulk,
        batch,
        reads,
        stream: { one, many },
        embedded,
        memory: { idleMb, afterLoadMb: after.rssMb, peakMb: after.peakMb },
      };
      const run: BenchRun = {
        date: new Date().toISOString(),
        quick: plan.quick,
        plan,
        machine: {
          cpu: cpus()[0]?.model ?? 'unknown',
          cores: cpus().length,
          memoryGb: Math.round(totalmem() / 2 ** 30),
          kernel: release(),
          node: process.version,
          postgres,
          loadAverage: { start: loadAtStart, end: loadavg()[0]! },
        },
        seconds: Math.round((performance.now() - started) / 1000),
        figures,
        verdicts: judge(figures, plan),
      };
      await mkdir(options.resultsDir, { recursive: true });
      const file = join(options.resultsDir, `${run.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
      await writeFile(file, `${JSON.stringify(run, null, 2)}\n`);
      return { run, file };
    } finally {
      if (!stopped) await api.stop();
    }
  } finally {
    await db.drop();
  }
}
