import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.ts';

function wrap(target: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await target.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/**
 * The embedded PostgreSQL (PGlite, in-process WebAssembly). One connection,
 * so transactions run one at a time; data lives in dataDir, or in memory when
 * dataDir is undefined. PGlite does not fsync: this is for trying Pulse.
 */
export async function createPgliteDatabase(dataDir: string | undefined): Promise<Database> {
  const db = await PGlite.create(dataDir);
  const plain = wrap(db);
  return {
    kind: 'embedded',
    query: plain.query,
    exec: plain.exec,
    transaction: (work, prelude) =>
      db.transaction(async (tx) => {
        if (prelude !== undefined) await tx.exec(prelude);
        return work(wrap(tx));
      }),
    async listen(channel, onNotify) {
      const unlisten = await db.listen(channel, onNotify);
      return unlisten;
    },
    poolStats: () => ({ total: 1, idle: 1, waiting: 0, max: 1 }),
    close: () => db.close(),
  };
}
