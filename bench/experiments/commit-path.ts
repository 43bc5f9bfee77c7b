import pg from 'pg';
import { createBenchDatabase } from '../bench-database.ts';

/**
 * Experiment behind docs/performance.md: the API's statement sequence for
 * storing messages, straight over pg (no HTTP, no Fastify), in variants, so
 * the cost of round trips, of the in-transaction pg_notify (PostgreSQL
 * serialises the commits of notifying transactions cluster-wide) and of one
 * commit per tenant can be measured apart.
 * Run: node --import tsx bench/experiments/commit-path.ts
 */
const TENANTS = Number(process.env.EXPERIMENT_TENANTS ?? 1000);
const CONNECTIONS = 10;
const SECONDS = Number(process.env.EXPERIMENT_SECONDS ?? 4);
const CROSS_TENANT_GROUP = 8;

type Variant = (client: pg.Client, tenants: number[]) => Promise<void>;

const insert = (client: pg.Client): Promise<unknown> =>
  client.query('INSERT INTO messages (message_id, payload) VALUES (gen_random_uuid()::text, $1)', [{ n: 1 }]);

const variants: Record<string, Variant> = {
  // Today: BEGIN | set_config | lock + notify | INSERT | COMMIT, one tenant per transaction.
  'as today (5 round trips, notify)': async (c, [t]) => {
    await c.query('BEGIN');
    await c.query("SELECT set_config('search_path', $1, true)", [`t${t}`]);
    await c.query("SELECT pg_advisory_xact_lock(1, $1), pg_notify('pulse_messages', $2)", [t, `t${t}`]);
    await insert(c);
    await c.query('COMMIT');
  },
  'without pg_notify (5 round trips)': async (c, [t]) => {
    await c.query('BEGIN');
    await c.query("SELECT set_config('search_path', $1, true)", [`t${t}`]);
    await c.query('SELECT pg_advisory_xact_lock(1, $1)', [t]);
    await insert(c);
    await c.query('COMMIT');
  },
  // BEGIN and the tenant set-up as one simple-protocol string (values are validated identifiers).
  'merged set-up (3 round trips, notify)': async (c, [t]) => {
    await c.query(`BEGIN; SELECT set_config('search_path', 't${t}', true), pg_advisory_xact_lock(1, ${t}), pg_notify('pulse_messages', 't${t}')`);
    await insert(c);
    await c.query('COMMIT');
  },
  // One transaction and one commit for several tenants' pending messages.
  [`cross-tenant group commit (${CROSS_TENANT_GROUP} tenants per commit)`]: async (c, group) => {
    await c.query('BEGIN');
    for (const t of group) {
      await c.query(`SELECT set_config('search_path', 't${t}', true), pg_advisory_xact_lock(1, ${t})`);
      await insert(c);
    }
    await c.query(`SELECT pg_notify('pulse_messages', '${group.map((t) => `t${t}`).join(',')}')`);
    await c.query('COMMIT');
  },
};

const db = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
try {
  await db.withClient(async (client) => {
    for (let t = 0; t < TENANTS; t++) {
      await client.query(`CREATE SCHEMA t${t}; CREATE TABLE t${t}.messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message_id text NOT NULL UNIQUE, payload jsonb, created_at timestamptz NOT NULL DEFAULT now())`);
    }
  });
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  await listener.query('LISTEN pulse_messages');
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    // A long-running pool has every tenant's table in each backend's caches.
    for (let t = 0; t < TENANTS; t++) await c.query(`SELECT 1 FROM t${t}.messages LIMIT 1`);
    return c;
  }));
  for (const tenants of [1, TENANTS]) {
    for (const [name, run] of Object.entries(variants)) {
      const size = name.startsWith('cross') ? Math.min(CROSS_TENANT_GROUP, tenants) : 1;
      if (name.startsWith('cross') && tenants === 1) continue;
      let messages = 0;
      let turn = 0;
      const deadline = performance.now() + SECONDS * 1000;
      await Promise.all(clients.map(async (c) => {
        while (performance.now() < deadline) {
          const group = Array.from({ length: size }, () => turn++ % tenants);
          await run(c, [...new Set(group)].sort((a, b) => a - b));
          messages += size;
        }
      }));
      process.stdout.write(`${String(tenants).padStart(4)} tenant(s), ${CONNECTIONS} connections, ${name}: ${Math.round(messages / SECONDS)} messages/s\n`);
    }
  }
  await Promise.all([...clients, listener].map((c) => c.end()));
} finally {
  await db.drop();
}
