import { createLogger, type Logger } from '@pulse/logger';
import { loadApiConfig, migrate, openDatabase, readMigrations, TenantsRepository, type Database } from '@pulse/api';
import type { Env } from './main.ts';

export interface OperatorContext {
  db: Database;
  tenants: TenantsRepository;
  logger: Logger;
}

/**
 * Opens the same database the API would use. The embedded one is migrated on
 * the spot (nobody else runs its migrations); a PostgreSQL server must have
 * been migrated with `pulse migrate`, or by the API at start-up.
 */
export async function withOperatorDatabase<T>(env: Env, work: (context: OperatorContext) => Promise<T>): Promise<T> {
  const config = loadApiConfig(env);
  const logger = createLogger({ service: 'cli', level: env.LOG_LEVEL === undefined ? 'error' : config.LOG_LEVEL });
  const db = await openDatabase(config, logger);
  try {
    const migrations = await readMigrations();
    if (db.kind === 'embedded') await migrate(db, migrations);
    return await work({ db, tenants: new TenantsRepository(db, migrations), logger });
  } finally {
    await db.close();
  }
}
