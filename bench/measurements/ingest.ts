import { bearer, benchTenant, maxId, rowsAndCommits, type BenchContext } from '../context.ts';
import { runLoad, sampleMessage, type LoadResult } from '../load.ts';
import { startApi, startServerScript } from '../processes.ts';

export interface IngestLevel extends LoadResult {
  /** Messages per transaction: what group commit achieved at this concurrency. */
  rowsPerCommit: number;
}

const BODY = JSON.stringify(sampleMessage());

/** A short untimed run first, so the JIT has compiled the hot path before anything is measured. */
async function warmUp(ctx: BenchContext, url: string, headers: Record<string, string>, expectStatus: number): Promise<void> {
  await runLoad({ url, connections: 10, seconds: ctx.plan.warmUpSeconds, method: 'POST', headers, body: BODY, expectStatus });
}

/** (1) The ceiling: bare node:http answering a small JSON POST, in its own process. */
export async function measureCeiling(ctx: BenchContext): Promise<LoadResult> {
  const server = await startServerScript(new URL('../servers/bare-server.ts', import.meta.url));
  try {
    const url = `${server.url}/api/messages`;
    await warmUp(ctx, url, {}, 201);
    return await runLoad({ url, connections: ctx.plan.targetConnections, seconds: ctx.plan.seconds, method: 'POST', body: BODY, expectStatus: 201 });
  } finally {
    await server.stop();
  }
}

/** The comparison baseline: Fastify + pg, one INSERT and commit per request (optionally with the original's per-request DDL). */
export async function measureNaive(ctx: BenchContext, mode: 'plain' | 'ddl'): Promise<LoadResult> {
  const server = await startServerScript(new URL('../servers/naive-server.ts', import.meta.url), { DATABASE_URL: ctx.db.url, NAIVE_MODE: mode });
  try {
    const url = `${server.url}/api/messages`;
    await warmUp(ctx, url, {}, 201);
    return await runLoad({ url, connections: ctx.plan.targetConnections, seconds: ctx.plan.seconds, method: 'POST', body: BODY, expectStatus: 201 });
  } finally {
    await server.stop();
  }
}

/** (2) POST /api/messages, 201 after commit, at each connection count, with rows per commit. */
export async function measureSingleIngest(ctx: BenchContext): Promise<IngestLevel[]> {
  const tenant = await benchTenant(ctx, 'single');
  const url = `${ctx.api.url}/api/messages`;
  await warmUp(ctx, url, bearer(tenant.key), 201);
  const levels: IngestLevel[] = [];
  for (const connections of ctx.plan.ingestConnections) {
    const before = await maxId(ctx, tenant);
    const load = await runLoad({ url, connections, seconds: ctx.plan.seconds, method: 'POST', headers: bearer(tenant.key), body: BODY, expectStatus: 201 });
    const { rows, commits } = await rowsAndCommits(ctx, tenant, before);
    levels.push({ ...load, rowsPerCommit: commits === 0 ? 0 : rows / commits });
    ctx.log(`  ingest at ${connections} connections: ${Math.round(load.rps)} req/s, p99 ${load.p99Ms} ms, ${load.errors} errors, ${(rows / Math.max(1, commits)).toFixed(1)} rows/commit`);
  }
  return levels;
}

/**
 * What the key cache buys: the same ingest with KEY_CACHE_TTL=0, so every
 * request reads its key from the database, in a second API process (the
 * first one stays idle meanwhile).
 */
export async function measureWithoutKeyCache(ctx: BenchContext): Promise<LoadResult> {
  const tenant = await benchTenant(ctx, 'nocache');
  const api = await startApi({ databaseUrl: ctx.db.url, env: { KEY_CACHE_TTL: '0' } });
  try {
    const url = `${api.url}/api/messages`;
    await warmUp(ctx, url, bearer(tenant.key), 201);
    return await runLoad({ url, connections: ctx.plan.targetConnections, seconds: ctx.plan.seconds, method: 'POST', headers: bearer(tenant.key), body: BODY, expectStatus: 201 });
  } finally {
    await api.stop();
  }
}
