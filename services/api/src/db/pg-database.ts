import pg from 'pg';
import type { Logger } from '@pulse/logger';
import { SpanKind, withSpan } from '@pulse/telemetry';
import type { Database, PoolStats, Queryable, QueryResult } from './database.ts';

export interface PgSettings {
  connection: pg.ClientConfig;
  poolMax: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  logger: Logger;
}

const LISTEN_RETRY_MS = [100, 250, 500, 1000, 2000, 5000];

const DB_SPAN = { kind: SpanKind.CLIENT };

/** A statement's span carries its first keyword only: never its text or its parameters, which hold tenants' data. */
function statementAttributes(sql: string): { 'db.system.name': string; 'db.operation.name': string } {
  return { 'db.system.name': 'postgresql', 'db.operation.name': (/^\s*([A-Za-z]+)/.exec(sql)?.[1] ?? 'unknown').toUpperCase() };
}

function wrap(client: pg.ClientBase | pg.Pool): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const attributes = statementAttributes(sql);
      return withSpan(attributes['db.operation.name'], attributes, async () => {
        const result = await client.query(sql, params as unknown[] | undefined);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
      }, DB_SPAN);
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

export function createPgDatabase(settings: PgSettings): Database {
  const config: pg.PoolConfig = {
    ...settings.connection,
    max: settings.poolMax,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'pulse-api',
  };
  const pool = new pg.Pool(config);
  // An idle client that loses its server emits here; without a listener the process would crash.
  pool.on('error', (error) => settings.logger.warn({ err: error }, 'idle database connection lost'));
  // A backend can be terminated at any moment, also between a release and the pool's own
  // listener taking over; every connection keeps a listener so that never crashes the process.
  pool.on('connect', (client) => client.on('error', (error) => settings.logger.debug({ err: error }, 'database connection lost')));
  const plain = wrap(pool);
  const listeners = new Set<pg.Client>();
  let closed = false;

  const db: Database = {
    kind: 'postgres',
    query: plain.query,
    exec: plain.exec,

    async transaction(work, prelude) {
      const client = await pool.connect();
      let broken = false;
      // pg-pool drops its error listener from a checked-out client; a backend killed
      // between two statements would otherwise emit an unhandled 'error' and crash the process.
      const onLost = (error: Error): void => {
        broken = true;
        settings.logger.warn({ err: error }, 'database connection lost inside a transaction');
      };
      client.on('error', onLost);
      try {
        await client.query(prelude === undefined ? 'BEGIN' : `BEGIN; ${prelude}`);
        const result = await work(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.removeListener('error', onLost);
        client.release(broken);
      }
    },

    async listen(channel, onNotify, onResync) {
      let client: pg.Client | undefined;
      let attempt = 0;
      let stopped = false;

      const connect = async (): Promise<void> => {
        if (stopped || closed) return;
        const next = new pg.Client({ ...settings.connection, connectionTimeoutMillis: settings.connectTimeoutMs, application_name: 'pulse-api-listen' });
        next.on('notification', (message) => {
          if (message.channel === channel) onNotify(message.payload ?? '');
        });
        next.on('error', (error) => {
          settings.logger.warn({ err: error }, 'listening connection lost; reconnecting');
          listeners.delete(next);
          next.end().catch(() => undefined);
          if (client === next) client = undefined;
          scheduleReconnect();
        });
        try {
          await next.connect();
          await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
          listeners.add(next);
          client = next;
          if (attempt > 0) onResync();
          attempt = 0;
        } catch (error) {
          next.end().catch(() => undefined);
          settings.logger.warn({ err: error }, 'cannot listen for new messages yet; retrying');
          scheduleReconnect();
        }
      };

      const scheduleReconnect = (): void => {
        if (stopped || closed) return;
        const delay = LISTEN_RETRY_MS[Math.min(attempt, LISTEN_RETRY_MS.length - 1)]!;
        attempt += 1;
        setTimeout(() => void connect(), delay).unref();
      };

      await connect();
      return async () => {
        stopped = true;
        if (client) {
          listeners.delete(client);
          await client.end().catch(() => undefined);
        }
      };
    },

    poolStats(): PoolStats {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: settings.poolMax };
    },

    async close() {
      closed = true;
      await Promise.all([...listeners].map((c) => c.end().catch(() => undefined)));
      await pool.end();
    },
  };
  return withTransactionSpans(db);
}

/** Each transaction becomes one span, with its statements' spans as children. */
function withTransactionSpans(db: Database): Database {
  const transaction = db.transaction.bind(db);
  db.transaction = (work, prelude) => withSpan('transaction', { 'db.system.name': 'postgresql' }, () => transaction(work, prelude), DB_SPAN);
  return db;
}
