import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, PULSE_BIN, REPOSITORY_ROOT } from '@pulse/test-support';
import { adminCreateTenant, startApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';

const run = promisify(execFile);
const TENANTS = { ci: 100, full: 2000 };
const INGEST_MS = { ci: 3000, full: 15_000 };
const CREATORS = 8;
const WRITERS = 16;
const PG_DUMP = `${process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'}/pg_dump`;

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Issue 8 test 9: many tenants in one database: creation, migration, memory, pg_dump and ingest spread across them. */
export const manyTenantsTest: BatteryTest = {
  name: 'many-tenants',
  async run(context) {
    const count = TENANTS[context.size];
    const database = await createTestDatabase('battery_many');
    const logFile = join(context.workDir, 'many-tenants.log');
    context.secrets.addLogFile(logFile);
    let api = await startApi({ databaseUrl: database.url, logFile, env: { LOG_LEVEL: 'warn' } });
    const adminToken = api.adminToken;
    context.secrets.addSecret('admin token', adminToken);
    try {
      const keys: string[] = new Array<string>(count);
      const createStarted = Date.now();
      let next = 0;
      await Promise.all(Array.from({ length: CREATORS }, async () => {
        for (let i = next++; i < count; i = next++) keys[i] = (await adminCreateTenant(api, `many-${i}`)).key;
      }));
      const createSeconds = (Date.now() - createStarted) / 1000;
      context.note(`${count} tenants created in ${createSeconds.toFixed(1)} s`);
      await api.stop();

      const migrateStarted = Date.now();
      await run(process.execPath, [PULSE_BIN, 'migrate'], { cwd: REPOSITORY_ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, LOG_LEVEL: 'warn' }, timeout: 600_000 });
      const migrateSeconds = (Date.now() - migrateStarted) / 1000;
      const startStarted = Date.now();
      api = await startApi({ databaseUrl: database.url, logFile, adminToken, env: { LOG_LEVEL: 'warn' }, readyWithinMs: 600_000 });
      const startSeconds = (Date.now() - startStarted) / 1000;

      let stored = 0;
      let failed = 0;
      const end = Date.now() + INGEST_MS[context.size];
      await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
        for (let n = 0; Date.now() < end; n++) {
          const key = keys[(w * 7919 + n * 104_729) % count]!;
          const response = await fetch(`${api.url}/api/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ datetime: new Date().toISOString(), message_id: `m${w}-${n}`, source: 'many' }),
            signal: AbortSignal.timeout(20_000),
          }).catch(() => undefined);
          await response?.arrayBuffer().catch(() => undefined);
          if (response?.status === 201) stored += 1;
          else failed += 1;
        }
      }));
      const ingestRate = stored / (INGEST_MS[context.size] / 1000);
      const apiRss = rssMb(api.child.pid!);

      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      const backends = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
      const pgBackendsRss = backends.rows.reduce((sum, row) => sum + rssMb(row.pid), 0);
      const sizes = await db.query<{ bytes: string; relations: number; tenants: number }>(
        "SELECT pg_database_size(current_database())::text AS bytes, (SELECT count(*)::int FROM pg_class) AS relations, (SELECT count(*)::int FROM pulse.tenants) AS tenants");
      await db.end();
      const dumpStarted = Date.now();
      const dump = await run(PG_DUMP, ['--no-owner', '--schema-only', '--dbname', database.url], { maxBuffer: 1024 * 1024 * 1024, timeout: 600_000 }).then((r) => r.stdout.length, () => -1);
      const dumpSeconds = (Date.now() - dumpStarted) / 1000;
      return {
        figures: {
          tenants: sizes.rows[0]!.tenants,
          create_s: createSeconds,
          create_per_s: count / createSeconds,
          migrate_s: migrateSeconds,
          api_start_s: startSeconds,
          ingest_msg_per_s: ingestRate,
          ingest_failed: failed,
          api_rss_mb: apiRss,
          pg_backends_rss_mb: pgBackendsRss,
          db_mb: Number(sizes.rows[0]!.bytes) / 1e6,
          pg_class_rows: sizes.rows[0]!.relations,
          pg_dump_s: dumpSeconds,
          pg_dump_schema_mb: dump / 1e6,
        },
        checks: [
          check('every tenant created', sizes.rows[0]!.tenants === count, sizes.rows[0]!.tenants),
          check('pg_dump succeeds', dump > 0, dump),
          check('ingest across the tenants without failures', failed === 0 && stored > 0, `${stored} stored, ${failed} failed`),
          check('the API survived', api.child.exitCode === null, api.tail().slice(-500)),
        ],
      };
    } finally {
      await api.stop();
      await database.drop();
    }
  },
};
