import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatResult, runBatteryTest, type BatteryResult, type BatterySize, type BatteryTest } from './battery-types.ts';
import { SecretsLedger } from './secrets-ledger.ts';

/** Runs one battery test with a fresh work folder and ledger: what each CI-sized test file does. */
export async function runAlone(test: BatteryTest, size: BatterySize, secrets = new SecretsLedger()): Promise<BatteryResult> {
  const workDir = mkdtempSync(join(tmpdir(), `pulse-battery-${test.name}-`));
  const result = await runBatteryTest(test, { size, workDir, secrets, note: (message) => process.stderr.write(`  [${test.name}] ${message}\n`) });
  process.stderr.write(`${formatResult(result)}\n`);
  return result;
}
