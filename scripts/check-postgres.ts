import pg from 'pg';
import { testServerUrl } from '@pulse/test-support';

const url = testServerUrl();
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
try {
  await client.connect();
  await client.end();
} catch (error) {
  process.stderr.write(
    `npm test needs PostgreSQL: cannot reach ${url} (${(error as Error).message}). Start it, or set TEST_DATABASE_URL=postgres://user@host:port/db (a user that may create databases and roles).\n`,
  );
  process.exit(1);
}
