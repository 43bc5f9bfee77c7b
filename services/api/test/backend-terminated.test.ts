import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@pulse/test-support';
import pg from 'pg';
import { isDatabaseUnavailable } from '../src/db/database-errors.ts';
import { pgDatabase } from './support.ts';

let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase('backend_killed');
});
after(() => testDb.drop());

// Found by the chaos battery: a backend terminated while its connection sat checked out
// between two statements emitted an unhandled 'error' and crashed the whole API.
test('a backend terminated inside a transaction fails that transaction with 503 material, not the process', async () => {
  const db = pgDatabase(testDb.url, 2);
  const killer = new pg.Client({ connectionString: testDb.url });
  await killer.connect();
  try {
    const failure = await db
      .transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        // The FATAL arrives while no statement runs: the moment that used to crash.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.query('SELECT 1');
      })
      .then(() => undefined, (error: unknown) => error);
    assert.ok(failure instanceof Error, 'the transaction fails');
    assert.ok(isDatabaseUnavailable(failure), `answered as unavailable: ${(failure as Error).message}`);
    const after = await db.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(after.rows[0]!.one, 1, 'the pool recovers with a fresh connection');
  } finally {
    await killer.end();
    await db.close();
  }
});
