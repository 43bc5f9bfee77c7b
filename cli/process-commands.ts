import { createLogger } from '@pulse/logger';
import { loadApiConfig, main as apiMain, migrate, openDatabase, readMigrations } from '@pulse/api';
import type { Env } from './main.ts';

export async function migrateCommand(env: Env): Promise<number> {
  const config = loadApiConfig(env);
  const logger = createLogger({ service: 'migrate', level: config.LOG_LEVEL });
  const db = await openDatabase(config, logger);
  try {
    const report = await migrate(db, await readMigrations());
    process.stdout.write(
      report.control.length === 0 && report.tenants === 0
        ? 'Database is up to date.\n'
        : `Applied ${report.control.length} control migration(s)${report.control.length ? ` (${report.control.join(', ')})` : ''}; migrated ${report.tenants} tenant schema(s).\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

/** Runs until a signal stops the process. */
export async function apiCommand(env: Env): Promise<number> {
  await apiMain(env);
  return new Promise<number>(() => undefined);
}

export async function devCommand(env: Env): Promise<number> {
  const { startDemo } = await import('./demo.ts');
  await startDemo(env);
  return new Promise<number>(() => undefined);
}
