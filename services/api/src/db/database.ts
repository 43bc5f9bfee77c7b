export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs one SQL statement with positional parameters. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/**
 * The one storage interface of the API. It has two implementations, a pool of
 * connections to PostgreSQL and the embedded PGlite, and every storage test
 * runs against both.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /**
   * Runs work in a transaction. `prelude` is trusted SQL (no parameters) sent
   * together with BEGIN, saving round trips on the hot path.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>, prelude?: string): Promise<T>;
  /**
   * Calls onNotify for every NOTIFY on the channel. onResync is called after a
   * lost listening connection is back, since notifications sent meanwhile are gone.
   */
  listen(channel: string, onNotify: (payload: string) => void, onResync: () => void): Promise<() => Promise<void>>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}
