import { bearer, benchTenant, maxId, rowsAndCommits, type BenchContext, type BenchTenant } from '../context.ts';
import { runLoad, sampleMessage, type LoadResult } from '../load.ts';

export interface BulkResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

export interface BatchResult extends LoadResult {
  batchSize: number;
  rowsPerSecond: number;
  /** Rows in answered batches, and rows found in the table: the second may only be larger (batches in flight at the end). */
  rowsAnswered: number;
  rowsStored: number;
}

/**
 * PostgreSQL's own bulk insert: one INSERT … SELECT generate_series into a
 * tenant's messages table (same indexes and constraints), run as the owner,
 * with ids and payloads shaped like the API's.
 */
export async function bulkInsert(ctx: BenchContext, tenant: BenchTenant, rows: number): Promise<BulkResult> {
  return ctx.db.withClient(async (client) => {
    const started = performance.now();
    await client.query(
      `INSERT INTO ${tenant.table} (message_id, datetime, environment, source, payload)
       SELECT 'bulk-' || lpad(g::text, 12, '0'),
              timestamptz '2025-01-01 12:00:00+00' + g * interval '1 ms',
              CASE WHEN g % 2 = 0 THEN 'prod' ELSE 'test' END,
              'bench',
              jsonb_build_object('n', g, 'text', 'hello from the benchmark')
         FROM generate_series(1, $1::int) AS g`,
      [rows],
    );
    const seconds = (performance.now() - started) / 1000;
    // A table this size would have been analysed by autovacuum long before anyone read it.
    await client.query(`VACUUM (ANALYZE) ${tenant.table}`);
    return { rows, seconds, rowsPerSecond: rows / seconds };
  });
}

/** (3) POST /api/messages/batch with full batches, rows/s counted from what was actually stored. */
export async function measureBatchIngest(ctx: BenchContext): Promise<BatchResult> {
  const tenant = await benchTenant(ctx, 'batch');
  const body = JSON.stringify({ messages: Array.from({ length: ctx.plan.batchSize }, (_, i) => sampleMessage(i)) });
  const url = `${ctx.api.url}/api/messages/batch`;
  await runLoad({ url, connections: ctx.plan.batchConnections, seconds: ctx.plan.warmUpSeconds, method: 'POST', headers: bearer(tenant.key), body, expectStatus: 200 });
  const before = await maxId(ctx, tenant);
  const load = await runLoad({ url, connections: ctx.plan.batchConnections, seconds: ctx.plan.seconds, method: 'POST', headers: bearer(tenant.key), body, expectStatus: 200 });
  const { rows } = await rowsAndCommits(ctx, tenant, before);
  return {
    ...load,
    batchSize: ctx.plan.batchSize,
    rowsAnswered: load.ok * ctx.plan.batchSize,
    rowsStored: rows,
    rowsPerSecond: load.rps * ctx.plan.batchSize,
  };
}
