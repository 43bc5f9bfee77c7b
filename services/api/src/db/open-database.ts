import { resolve } from 'node:path';
import type { Logger } from '@pulse/logger';
import { postgresConnection, type ApiConfig } from '../config.ts';
import type { Database } from './database.ts';
import { lockDataDir } from './embedded-lock.ts';
import { createPgDatabase } from './pg-database.ts';

export const EMBEDDED_WARNING =
  'Embedded database (PGlite) in use: it does not fsync, so a crash can lose acknowledged messages. It is for trying Pulse; set DATABASE_URL or DB_HOST for data that must survive.';

/** PostgreSQL when DATABASE_URL or DB_HOST is set, else the embedded PGlite in PULSE_DATA_DIR. */
export async function openDatabase(config: ApiConfig, logger: Logger): Promise<Database> {
  const connection = postgresConnection(config);
  if (connection) {
    return createPgDatabase({
      connection,
      poolMax: config.DB_POOL_MAX,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT,
      queryTimeoutMs: config.DB_QUERY_TIMEOUT,
      logger,
    });
  }
  const dataDir = resolve(config.PULSE_DATA_DIR, 'db');
  const release = lockDataDir(dataDir);
  logger.warn({ data_dir: dataDir }, EMBEDDED_WARNING);
  try {
    // Loaded only when used: PGlite's WebAssembly build costs about 45 MB of memory.
    const { createPgliteDatabase } = await import('./pglite-database.ts');
    const db = await createPgliteDatabase(dataDir);
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
