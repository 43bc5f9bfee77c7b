import type { BenchFigures, BenchRun } from './bench.ts';
import type { LoadResult } from './load.ts';
import type { BenchPlan } from './plan.ts';

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

interface Row {
  measurement: string;
  figure: string;
  detail: string;
  baseline: string;
  ratio: number | undefined;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const latency = (r: LoadResult): string => `p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}, ${r.errors} errors`;

function ingestAt(figures: BenchFigures, connections: number): LoadResult | undefined {
  return figures.ingest.find((level) => level.connections === connections);
}

/** The verdicts against the targets: ratios within this run, never timed assertions. */
export function judge(figures: BenchFigures, plan: BenchPlan): Verdict[] {
  const atTarget = ingestAt(figures, plan.targetConnections);
  const ingestRatio = (atTarget?.rps ?? 0) / figures.ceiling.rps;
  const allErrors = figures.ingest.reduce((sum, level) => sum + level.errors, 0);
  const batchRatio = figures.batch.rowsPerSecond / figures.bulk.rowsPerSecond;
  const spreadRatio = figures.spread.rps / (atTarget?.rps ?? Infinity);
  const readRatio = figures.reads.large.p99Ms / Math.max(1, figures.reads.empty.p99Ms);
  const stream = figures.stream.many;
  return [
    {
      target: `single ingest at ${plan.targetConnections} connections >= 0.35 of the bare ceiling, 0 errors`,
      measured: `${ingestRatio.toFixed(2)}, ${allErrors} errors over all levels`,
      met: ingestRatio >= 0.35 && allErrors === 0,
    },
    {
      target: 'batch ingest >= 0.5 of PostgreSQL bulk insert',
      measured: `${batchRatio.toFixed(2)}, ${figures.batch.errors} errors`,
      met: batchRatio >= 0.5 && figures.batch.errors === 0 && figures.batch.rowsStored >= figures.batch.rowsAnswered,
    },
    {
      target: `${figures.spread.tenants} tenants >= 0.8 of single-tenant`,
      measured: `${spreadRatio.toFixed(2)}, ${figures.spread.errors} errors`,
      met: spreadRatio >= 0.8 && figures.spread.errors === 0,
    },
    {
      target: `newest ${figures.reads.limit} at ${int(figures.reads.rows)} rows: p99 within 2x of an empty tenant`,
      measured: `${readRatio.toFixed(2)}x (${ms(figures.reads.large.p99Ms)} vs ${ms(figures.reads.empty.p99Ms)})`,
      met: readRatio <= 2 && figures.reads.large.errors === 0,
    },
    {
      target: `stream p99 commit-to-delivery < 1 s with ${stream.subscribers} subscribers, none missed`,
      measured: `${ms(stream.p99FromSendMs)} (bound from send), ${stream.missed} missed`,
      met: stream.p99FromSendMs < 1000 && stream.missed === 0,
    },
    {
      target: 'API resident memory < 200 MB after the load',
      measured: `${figures.memory.afterLoadMb.toFixed(0)} MB (peak ${figures.memory.peakMb.toFixed(0)} MB)`,
      met: figures.memory.afterLoadMb < 200,
    },
  ];
}

function rows(figures: BenchFigures, plan: BenchPlan): Row[] {
  const ceiling = figures.ceiling.rps;
  const c = plan.targetConnections;
  const single = ingestAt(figures, c)?.rps ?? NaN;
  const embeddedBase = ingestAt(figures, plan.embeddedConnections)?.rps ?? NaN;
  const { reads, stream, memory } = figures;
  return [
    { measurement: `(1) bare node:http, ${c} conns`, figure: `${int(ceiling)} req/s`, detail: latency(figures.ceiling), baseline: 'itself', ratio: 1 },
    { measurement: `naive Fastify+pg, ${c} conns`, figure: `${int(figures.naive.rps)} req/s`, detail: latency(figures.naive), baseline: 'ceiling', ratio: figures.naive.rps / ceiling },
    { measurement: `naive + per-request DDL, ${c} conns`, figure: `${int(figures.naiveDdl.rps)} req/s`, detail: latency(figures.naiveDdl), baseline: 'ceiling', ratio: figures.naiveDdl.rps / ceiling },
    ...figures.ingest.map((level) => ({
      measurement: `(2) POST /api/messages, ${level.connections} conns`,
      figure: `${int(level.rps)} req/s`,
      detail: `${latency(level)}, ${level.rowsPerCommit.toFixed(1)} rows/commit`,
      baseline: 'ceiling',
      ratio: level.rps / ceiling,
    })),
    { measurement: `same, key cache off, ${c} conns`, figure: `${int(figures.withoutKeyCache.rps)} req/s`, detail: latency(figures.withoutKeyCache), baseline: `ingest ${c}`, ratio: figures.withoutKeyCache.rps / single },
    { measurement: `(3) bulk INSERT … SELECT`, figure: `${int(figures.bulk.rowsPerSecond)} rows/s`, detail: `${int(figures.bulk.rows)} rows in ${figures.bulk.seconds.toFixed(1)} s`, baseline: 'itself', ratio: 1 },
    {
      measurement: `    batch ingest, ${figures.batch.batchSize}/batch, ${plan.batchConnections} conns`,
      figure: `${int(figures.batch.rowsPerSecond)} rows/s`,
      detail: latency(figures.batch),
      baseline: 'bulk insert',
      ratio: figures.batch.rowsPerSecond / figures.bulk.rowsPerSecond,
    },
    { measurement: `(4) ${figures.spread.tenants} tenants, ${c} conns`, figure: `${int(figures.spread.rps)} req/s`, detail: latency(figures.spread), baseline: `ingest ${c}`, ratio: figures.spread.rps / single },
    { measurement: `(5) newest ${reads.limit}, empty tenant`, figure: `p99 ${ms(reads.empty.p99Ms)}`, detail: `${int(reads.empty.rps)} req/s, ${latency(reads.empty)}`, baseline: 'itself', ratio: 1 },
    { measurement: `    newest ${reads.limit}, ${int(reads.limit * 10)} rows`, figure: `p99 ${ms(reads.small.p99Ms)}`, detail: `${int(reads.small.rps)} req/s, ${latency(reads.small)}`, baseline: 'empty p99', ratio: reads.small.p99Ms / Math.max(1, reads.empty.p99Ms) },
    { measurement: `    newest ${reads.limit}, ${int(reads.rows)} rows`, figure: `p99 ${ms(reads.large.p99Ms)}`, detail: `${int(reads.large.rps)} req/s, ${latency(reads.large)}`, baseline: 'empty p99', ratio: reads.large.p99Ms / Math.max(1, reads.empty.p99Ms) },
    { measurement: '(6) stream, 1 subscriber', figure: `p99 ${ms(stream.one.p99FromSendMs)}`, detail: `from 201: p50 ${ms(stream.one.p50Ms)}, p99 ${ms(stream.one.p99Ms)}; ${stream.one.missed} missed`, baseline: 'itself', ratio: 1 },
    {
      measurement: `    stream, ${stream.many.subscribers} subscribers`,
      figure: `p99 ${ms(stream.many.p99FromSendMs)}`,
      detail: `from 201: p50 ${ms(stream.many.p50Ms)}, p99 ${ms(stream.many.p99Ms)}; ${int(stream.many.deliveries)} deliveries, ${stream.many.missed} missed`,
      baseline: '1 subscriber',
      ratio: stream.many.p99FromSendMs / Math.max(1, stream.one.p99FromSendMs),
    },
    { measurement: `(7) embedded PGlite, ${plan.embeddedConnections} conns`, figure: `${int(figures.embedded.rps)} req/s`, detail: `${latency(figures.embedded)}, RSS ${figures.embedded.rssMb.toFixed(0)} MB`, baseline: `ingest ${plan.embeddedConnections}`, ratio: figures.embedded.rps / embeddedBase },
    { measurement: '(8) API RSS after the load', figure: `${memory.afterLoadMb.toFixed(0)} MB`, detail: `peak ${memory.peakMb.toFixed(0)} MB`, baseline: 'idle RSS', ratio: memory.afterLoadMb / memory.idleMb },
  ];
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The printed report: every figure with its baseline and ratio, then the verdicts. */
export function formatReport(run: BenchRun): string {
  const { machine } = run;
  const figures = table(
    ['measurement', 'figure', 'baseline', 'ratio', 'detail'],
    rows(run.figures, run.plan).map((r) => [r.measurement, r.figure, r.baseline, r.ratio === undefined ? '' : r.ratio.toFixed(2), r.detail]),
  );
  const verdicts = table(
    ['verdict', 'target', 'measured'],
    run.verdicts.map((v) => [v.met ? 'MET' : 'MISSED', v.target, v.measured]),
  );
  return [
    `Pulse benchmark ${run.date}${run.quick ? ' (QUICK: sizes shrunk, figures not meaningful)' : ''}, ${run.seconds} s`,
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, Linux ${machine.kernel}, Node ${machine.node}; load average ${machine.loadAverage.start.toFixed(1)} at start, ${machine.loadAverage.end.toFixed(1)} at end`,
    machine.postgres,
    '',
    figures,
    '',
    verdicts,
  ].join('\n');
}
