import { bearer, type BenchContext, type BenchTenant } from '../context.ts';
import { runLoad, type LoadResult } from '../load.ts';

export interface ReadsResult {
  rows: number;
  limit: number;
  large: LoadResult;
  /** The same request on a tenant of a few hundred rows: separates the cost of the table's size from the cost of answering with 50 messages. */
  small: LoadResult;
  empty: LoadResult;
}

const READ_CONNECTIONS = 10;

async function newest(ctx: BenchContext, tenant: BenchTenant): Promise<LoadResult> {
  const url = `${ctx.api.url}/api/messages?limit=${ctx.plan.readLimit}`;
  await runLoad({ url, connections: READ_CONNECTIONS, seconds: ctx.plan.warmUpSeconds, headers: bearer(tenant.key), expectStatus: 200 });
  return runLoad({ url, connections: READ_CONNECTIONS, seconds: ctx.plan.seconds, headers: bearer(tenant.key), expectStatus: 200 });
}

/** (5) GET /api/messages?limit=50 on a tenant holding plan.readRows rows, against a small and an empty tenant. */
export async function measureReads(ctx: BenchContext, tenants: { large: BenchTenant; small: BenchTenant; empty: BenchTenant }): Promise<ReadsResult> {
  const empty = await newest(ctx, tenants.empty);
  const small = await newest(ctx, tenants.small);
  const large = await newest(ctx, tenants.large);
  return { rows: ctx.plan.readRows, limit: ctx.plan.readLimit, large, small, empty };
}
