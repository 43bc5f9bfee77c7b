import { createTenant } from '@pulse/test-support';
import type autocannon from 'autocannon';
import { type BenchContext } from '../context.ts';
import { runLoad, sampleMessage, type LoadResult } from '../load.ts';

export interface SpreadResult extends LoadResult {
  tenants: number;
  tenantsCreatedPerSecond: number;
}

const CREATE_CONCURRENCY = 4;

/** (4) Single-message ingest where consecutive requests belong to different tenants, round robin over all of them. */
export async function measureTenantSpread(ctx: BenchContext): Promise<SpreadResult> {
  const keys: string[] = new Array<string>(ctx.plan.tenants);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < ctx.plan.tenants) {
        const index = next++;
        keys[index] = await createTenant(ctx.api, `spread-${index}`);
      }
    }),
  );
  const tenantsCreatedPerSecond = ctx.plan.tenants / ((performance.now() - started) / 1000);
  ctx.log(`  ${ctx.plan.tenants} tenants created (${tenantsCreatedPerSecond.toFixed(0)}/s)`);

  const headers = keys.map((key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' }));
  let turn = 0;
  const setupRequest = (request: autocannon.Request): autocannon.Request => {
    request.headers = headers[turn++ % headers.length]!;
    return request;
  };
  const url = `${ctx.api.url}/api/messages`;
  const body = JSON.stringify(sampleMessage());
  // Warms every tenant's key into the cache, as a running system would have.
  await runLoad({ url, connections: 10, seconds: ctx.plan.warmUpSeconds * 3, method: 'POST', body, setupRequest, expectStatus: 201 });
  const load = await runLoad({ url, connections: ctx.plan.targetConnections, seconds: ctx.plan.seconds, method: 'POST', body, setupRequest, expectStatus: 201 });
  return { ...load, tenants: ctx.plan.tenants, tenantsCreatedPerSecond };
}
