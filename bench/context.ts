import { createTenant } from '@pulse/test-support';
import pg from 'pg';
import type { BenchDatabase } from './bench-database.ts';
import type { BenchPlan } from './plan.ts';
import type { ApiServer } from './processes.ts';

/** What every measurement is handed. */
export interface BenchContext {
  readonly plan: BenchPlan;
  readonly db: BenchDatabase;
  readonly api: ApiServer;
  readonly log: (line: string) => void;
}

export interface BenchTenant {
  readonly id: string;
  readonly key: string;
  readonly table: string;
}

/** A tenant made through the admin API, with the qualified name of its messages table. */
export async function benchTenant(ctx: BenchContext, id: string): Promise<BenchTenant> {
  const key = await createTenant(ctx.api, id);
  return { id, key, table: `${pg.escapeIdentifier(`tenant_${id}`)}.messages` };
}

/** Highest message id in a tenant's table (0 when empty). */
export function maxId(ctx: BenchContext, tenant: BenchTenant): Promise<number> {
  return ctx.db.withClient(async (client) => {
    const result = await client.query<{ id: string | null }>(`SELECT max(id) AS id FROM ${tenant.table}`);
    return Number(result.rows[0]?.id ?? 0);
  });
}

/**
 * Rows stored after a given id, and how many transactions stored them: every
 * row's xmin is the id of the transaction that inserted it, so this counts
 * commits exactly, whatever else runs on the server.
 */
export function rowsAndCommits(ctx: BenchContext, tenant: BenchTenant, afterId: number): Promise<{ rows: number; commits: number }> {
  return ctx.db.withClient(async (client) => {
    const result = await client.query<{ rows: string; commits: string }>(
      `SELECT count(*) AS rows, count(DISTINCT xmin::text) AS commits FROM ${tenant.table} WHERE id > $1`,
      [afterId],
    );
    const row = result.rows[0]!;
    return { rows: Number(row.rows), commits: Number(row.commits) };
  });
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
