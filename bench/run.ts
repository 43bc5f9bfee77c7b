import { fileURLToPath } from 'node:url';
import { boolean, loadConfig, string, url } from '@pulse/config';
import { runBench } from './bench.ts';
import { FULL_PLAN, QUICK_PLAN } from './plan.ts';
import { formatReport } from './report.ts';

export const benchConfigSpec = {
  BENCH_DATABASE_URL: url({
    description: 'PostgreSQL server the bench creates (and drops) its own database on; the user must be allowed to create databases and roles',
    protocols: ['postgres:', 'postgresql:'],
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    secret: true,
  }),
  BENCH_QUICK: boolean({ description: 'Run every measurement with tiny sizes (what the smoke test does); same as --quick', default: false }),
  BENCH_RESULTS_DIR: string({ description: 'Folder the JSON result is written to', default: fileURLToPath(new URL('./results/', import.meta.url)) }),
};

const config = loadConfig(benchConfigSpec, process.env);
const quick = config.BENCH_QUICK || process.argv.includes('--quick');
const { run, file } = await runBench({
  plan: quick ? QUICK_PLAN : FULL_PLAN,
  serverUrl: config.BENCH_DATABASE_URL,
  resultsDir: config.BENCH_RESULTS_DIR,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`\n${formatReport(run)}\n\nWritten to ${file}\n`);
