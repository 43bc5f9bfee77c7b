import Fastify from 'fastify';
import pg from 'pg';

/**
 * The comparison baseline: what a straightforward Fastify + pg handler does,
 * one INSERT (one commit) per request, answered after the commit. With
 * NAIVE_MODE=ddl it also runs CREATE SCHEMA / CREATE TABLE IF NOT EXISTS before
 * every insert, as the original system's Express API did.
 */
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const perRequestDdl = process.env.NAIVE_MODE === 'ddl';
const schema = perRequestDdl ? 'naive_ddl' : 'naive';

const TABLE = `CREATE TABLE IF NOT EXISTS ${schema}.messages (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id  text NOT NULL UNIQUE,
  datetime    timestamptz NOT NULL,
  environment text NOT NULL,
  source      text,
  payload     jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
)`;

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, application_name: 'pulse-bench-naive' });
await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
await pool.query(TABLE);

const app = Fastify({ logger: false });
app.post<{ Body: { datetime: string; environment?: string; source?: string; payload?: unknown } }>('/api/messages', async (request, reply) => {
  const body = request.body;
  if (perRequestDdl) {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await pool.query(TABLE);
  }
  const result = await pool.query(
    `INSERT INTO ${schema}.messages (message_id, datetime, environment, source, payload)
     VALUES (gen_random_uuid()::text, $1, $2, $3, $4) RETURNING id, message_id, datetime, environment, source, payload, created_at`,
    [body.datetime, body.environment ?? 'prod', body.source ?? null, body.payload ?? null],
  );
  return reply.code(201).send({ message: 'Message stored successfully', data: result.rows[0] });
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => pool.end()).then(() => process.exit(0));
});
