import type { SecretsLedger } from './secrets-ledger.ts';

/** CI size fits inside `npm test`; full size is what `npm run battery` runs and docs/reliability.md records. */
export type BatterySize = 'ci' | 'full';

export interface BatteryContext {
  readonly size: BatterySize;
  /** A folder of this run, for logs and spools. */
  readonly workDir: string;
  /** Every secret the test made and every log it produced, for the secrets scan. */
  readonly secrets: SecretsLedger;
  /** Progress notes, to stderr, so a long run shows where it is. */
  note(message: string): void;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export type Figures = Record<string, number | string | boolean>;

export interface BatteryResult {
  readonly test: string;
  readonly size: BatterySize;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly figures: Figures;
  readonly checks: readonly Check[];
}

export interface BatteryTest {
  readonly name: string;
  run(context: BatteryContext): Promise<{ figures: Figures; checks: Check[] }>;
}

export function check(name: string, ok: boolean, detail: string | number): Check {
  return { name, ok, detail: String(detail) };
}

/** The one line of figures `npm run battery` prints per test. */
export function formatResult(result: BatteryResult): string {
  const figures = Object.entries(result.figures).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v}`).join(' ');
  const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`);
  return `${result.ok ? 'PASS' : 'FAIL'} ${result.test} [${(result.durationMs / 1000).toFixed(1)} s] ${figures}${failed.length ? ` FAILED: ${failed.join('; ')}` : ''}`;
}

export async function runBatteryTest(test: BatteryTest, context: BatteryContext): Promise<BatteryResult> {
  const started = Date.now();
  try {
    const { figures, checks } = await test.run(context);
    return { test: test.name, size: context.size, ok: checks.every((c) => c.ok), durationMs: Date.now() - started, figures, checks };
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { test: test.name, size: context.size, ok: false, durationMs: Date.now() - started, figures: {}, checks: [check('completed', false, detail)] };
  }
}
