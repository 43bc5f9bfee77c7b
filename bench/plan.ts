/** How much of each measurement one run does: the full run, or the quick one the smoke test uses. */
export interface BenchPlan {
  readonly quick: boolean;
  /** Seconds each timed load lasts, and the untimed warm-up before it (so the JIT has compiled the hot path). */
  readonly seconds: number;
  readonly warmUpSeconds: number;
  readonly ingestConnections: readonly number[];
  /** The connection count the 0.35-of-ceiling target is judged at. */
  readonly targetConnections: number;
  readonly batchSize: number;
  readonly batchConnections: number;
  readonly tenants: number;
  readonly readRows: number;
  readonly readLimit: number;
  readonly subscribers: number;
  readonly streamMessages: number;
  readonly streamIntervalMs: number;
  readonly embeddedConnections: number;
}

export const FULL_PLAN: BenchPlan = {
  quick: false,
  seconds: 8,
  warmUpSeconds: 1,
  ingestConnections: [1, 10, 50, 200],
  targetConnections: 50,
  batchSize: 1000,
  batchConnections: 4,
  tenants: 1000,
  readRows: 1_000_000,
  readLimit: 50,
  subscribers: 1000,
  streamMessages: 60,
  streamIntervalMs: 100,
  embeddedConnections: 10,
};

/** Every measurement still runs, so the harness cannot rot; only the sizes shrink. */
export const QUICK_PLAN: BenchPlan = {
  ...FULL_PLAN,
  quick: true,
  seconds: 0.5,
  warmUpSeconds: 0.2,
  batchSize: 100,
  batchConnections: 2,
  tenants: 8,
  readRows: 20_000,
  subscribers: 20,
  streamMessages: 5,
  streamIntervalMs: 50,
};
