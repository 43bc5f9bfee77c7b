import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@pulse/test-support';
import { formatResult, runBatteryTest, type BatteryResult, type BatterySize, type BatteryTest } from './battery-types.ts';
import { chaosTest } from './chaos.ts';
import { hostileInputTest } from './hostile-input.ts';
import { isolationTest } from './isolation.ts';
import { manyTenantsTest } from './many-tenants.ts';
import { outageTest } from './outage.ts';
import { overloadTest } from './overload.ts';
import { restartsTest } from './restarts.ts';
import { SecretsLedger } from './secrets-ledger.ts';
import { secretsTest } from './secrets.ts';
import { slowClientsTest } from './slow-clients.ts';

/** Every battery test in issue order; secrets runs last because it scans what the others left behind. */
const TESTS: readonly BatteryTest[] = [chaosTest, hostileInputTest, isolationTest, overloadTest, slowClientsTest, outageTest, restartsTest, manyTenantsTest, secretsTest];

const size: BatterySize = process.env.BATTERY_SIZE === 'ci' ? 'ci' : 'full';
const only = new Set(process.argv.slice(2));
const workDir = mkdtempSync(join(tmpdir(), 'pulse-battery-'));
const secrets = new SecretsLedger();
const results: BatteryResult[] = [];
const started = new Date();

for (const test of TESTS) {
  if (only.size > 0 && !only.has(test.name) && test.name !== 'secrets') continue;
  process.stderr.write(`== ${test.name} (${size})\n`);
  const result = await runBatteryTest(test, { size, workDir, secrets, note: (message) => process.stderr.write(`  ${message}\n`) });
  results.push(result);
  console.log(formatResult(result));
}

const resultsDir = join(REPOSITORY_ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `battery-${started.toISOString().slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify({ started: started.toISOString(), finished: new Date().toISOString(), size, node: process.version, results }, null, 2)}\n`);
console.log(`results: ${file}`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
