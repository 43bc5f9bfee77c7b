import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { testServerUrl } from '@pulse/test-support';
import { runBench, type BenchRun } from './bench.ts';
import { QUICK_PLAN } from './plan.ts';
import { formatReport } from './report.ts';

// The harness at its smallest: every measurement runs against real processes
// and a real PostgreSQL, so a change that breaks any of them fails here. The
// figures themselves are not judged: the machine is small and shared.
test('the quick bench runs every measurement, writes its result and reports every verdict', async () => {
  const resultsDir = await mkdtemp(join(tmpdir(), 'pulse-bench-results-'));
  try {
    const { run, file } = await runBench({ plan: QUICK_PLAN, serverUrl: testServerUrl(), resultsDir, log: () => undefined });
    const written = JSON.parse(await readFile(file, 'utf8')) as BenchRun;
    assert.equal(written.date, run.date);
    assert.equal(written.quick, true);

    const { figures } = run;
    assert.ok(figures.ceiling.rps > 0 && figures.ceiling.errors === 0, 'the bare server answered');
    assert.deepEqual(figures.ingest.map((level) => level.connections), [...QUICK_PLAN.ingestConnections]);
    for (const level of figures.ingest) {
      assert.equal(level.errors, 0, `no errors at ${level.connections} connections: ${JSON.stringify(level.statuses)}`);
      assert.ok(level.ok > 0 && level.rowsPerCommit >= 1);
    }
    for (const load of [figures.naive, figures.naiveDdl, figures.withoutKeyCache, figures.spread, figures.batch, figures.embedded]) {
      assert.ok(load.ok > 0, 'every comparison stored something');
      assert.equal(load.errors, 0, JSON.stringify(load.statuses));
    }
    assert.ok(figures.batch.rowsStored >= figures.batch.rowsAnswered, 'every answered batch is in the table');
    assert.ok(figures.bulk.rowsPerSecond > 0);
    for (const read of [figures.reads.empty, figures.reads.small, figures.reads.large]) assert.ok(read.ok > 0 && read.errors === 0);
    assert.equal(figures.stream.many.subscribers, QUICK_PLAN.subscribers);
    assert.equal(figures.stream.many.missed, 0, 'every subscriber got every message');
    assert.equal(figures.stream.many.deliveries, QUICK_PLAN.subscribers * QUICK_PLAN.streamMessages);
    assert.ok(figures.memory.afterLoadMb > 0);

    assert.equal(run.verdicts.length, 6);
    const report = formatReport(run);
    for (const verdict of run.verdicts) assert.ok(report.includes(verdict.target));
    assert.match(report, /QUICK/);
  } finally {
    await rm(resultsDir, { recursive: true, force: true });
  }
});
