import type { Logger } from '@pulse/logger';
import { buildApp, type BuiltApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { migrate, readMigrations } from './db/migrator.ts';
import { openDatabase } from './db/open-database.ts';

export interface ApiServer extends BuiltApp {
  readonly url: string;
  readonly db: Database;
  /** Readiness fails, streams end, in-flight requests finish, the database closes. */
  stop(): Promise<void>;
}

const STOP_DEADLINE_MS = 9_000;

/** Opens the database, migrates it when configured to, and listens. */
export async function startApiServer(config: ApiConfig, logger: Logger, existingDb?: Database): Promise<ApiServer> {
  const db = existingDb ?? (await openDatabase(config, logger));
  try {
    const migrations = await readMigrations();
    if (config.MIGRATE_ON_START || db.kind === 'embedded') {
      const report = await migrate(db, migrations);
      if (report.control.length > 0 || report.tenants > 0) logger.info(report, 'migrations applied');
    }
    const built = await buildApp({ settings: config, db, logger, migrations });
    const address = await built.app.listen({ port: config.PORT, host: config.HOST });
    let stopping: Promise<void> | undefined;
    return {
      ...built,
      db,
      url: address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1'),
      stop() {
        stopping ??= (async () => {
          built.services.lifecycle.startDraining();
          if (config.SHUTDOWN_DELAY > 0) await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY));
          const deadline = setTimeout(() => built.app.server.closeAllConnections(), STOP_DEADLINE_MS - 1000);
          try {
            await built.app.close();
          } finally {
            clearTimeout(deadline);
            if (!existingDb) await db.close();
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (!existingDb) await db.close();
    throw error;
  }
}
