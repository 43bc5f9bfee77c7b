import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant } from '@pulse/test-support';
import { bearer, type BenchContext } from '../context.ts';
import { runLoad, sampleMessage, type LoadResult } from '../load.ts';
import { residentMemory, startApi } from '../processes.ts';

export interface EmbeddedResult extends LoadResult {
  rssMb: number;
}

/** (7) `pulse api` with no DATABASE_URL: the embedded PGlite database in a temporary folder. */
export async function measureEmbedded(ctx: BenchContext): Promise<EmbeddedResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-bench-embedded-'));
  try {
    const api = await startApi({ dataDir });
    try {
      const key = await createTenant(api, 'embedded');
      const url = `${api.url}/api/messages`;
      const body = JSON.stringify(sampleMessage());
      const connections = ctx.plan.embeddedConnections;
      await runLoad({ url, connections, seconds: ctx.plan.warmUpSeconds, method: 'POST', headers: bearer(key), body, expectStatus: 201 });
      const load = await runLoad({ url, connections, seconds: ctx.plan.seconds, method: 'POST', headers: bearer(key), body, expectStatus: 201 });
      return { ...load, rssMb: residentMemory(api.pid).rssMb };
    } finally {
      await api.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
