import pg from 'pg';
import { createBenchDatabase } from '../bench-database.ts';

/**
 * Experiment behind docs/performance.md: the batch INSERT as the API runs it
 * (unnest, ON CONFLICT DO NOTHING, RETURNING every column formatted with
 * to_char, payload included) against the same INSERT returning only what the
 * batch response uses (id, message_id), 1,000 rows per statement, one client.
 * Run: node --import tsx bench/experiments/batch-returning.ts
 */
const ROUNDS = Number(process.env.EXPERIMENT_ROUNDS ?? 40);
const SIZE = 1000;
const UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const FULL = `m.id, m.message_id, to_char(m.datetime AT TIME ZONE 'UTC', ${UTC}) AS datetime, m.environment, m.source, m.payload,
  to_char(m.created_at AT TIME ZONE 'UTC', ${UTC}) AS created_at`;

const db = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
try {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message_id text NOT NULL UNIQUE, datetime timestamptz NOT NULL,
    environment text NOT NULL, source text, payload jsonb, created_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX ON messages (environment, id DESC); CREATE INDEX ON messages (datetime); CREATE INDEX ON messages (created_at)`);
  let serial = 0;
  const batch = (): unknown[] => {
    const ids = Array.from({ length: SIZE }, () => `m-${serial++}`);
    return [ids, ids.map(() => '2025-01-01T12:00:00Z'), ids.map((_, i) => (i % 2 ? 'prod' : 'test')), ids.map(() => 'bench'), ids.map((_, n) => JSON.stringify({ n, text: 'hello from the benchmark' }))];
  };
  const run = async (returning: string): Promise<number> => {
    const started = performance.now();
    for (let r = 0; r < ROUNDS; r++) {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO messages AS m (message_id, datetime, environment, source, payload)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::jsonb[])
         ON CONFLICT (message_id) DO NOTHING RETURNING ${returning}`,
        batch(),
      );
      await client.query('COMMIT');
    }
    return (ROUNDS * SIZE) / ((performance.now() - started) / 1000);
  };
  await run('m.id');
  for (let i = 0; i < 2; i++) {
    process.stdout.write(`RETURNING every column, formatted: ${Math.round(await run(FULL))} rows/s\n`);
    process.stdout.write(`RETURNING id, message_id:         ${Math.round(await run('m.id, m.message_id'))} rows/s\n`);
  }
  await client.end();
} finally {
  await db.drop();
}
