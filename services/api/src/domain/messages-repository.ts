import type { StoredMessage } from '@pulse/contract';
import type { Database } from '../db/database.ts';
import type { Queryable } from '../db/database.ts';
import { withEachTenant, withTenant, type TenantRef } from '../db/tenant-scope.ts';
import { formatStoredTimestamp } from './datetime.ts';
import type { ValidMessage } from './message-validation.ts';

/** A validated message with its final id (the client's or one the API made). */
export interface MessageToStore extends ValidMessage {
  messageId: string;
}

export type InsertOutcome =
  | { status: 'stored'; message: StoredMessage }
  | { status: 'duplicate'; message: StoredMessage }
  | { status: 'conflict'; message: StoredMessage };

export interface ListFilter {
  environment?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

export const NEW_MESSAGE_CHANNEL = 'pulse_messages';
const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

function columns(alias: string): string {
  return `${alias}.id, ${alias}.message_id,
    to_char(${alias}.datetime AT TIME ZONE 'UTC', ${UTC_MICROS}) AS datetime,
    ${alias}.environment, ${alias}.source, ${alias}.payload,
    to_char(${alias}.created_at AT TIME ZONE 'UTC', ${UTC_MICROS}) AS created_at`;
}

interface MessageRow {
  id: string | number | bigint;
  message_id: string;
  datetime: string;
  environment: string;
  source: string | null;
  payload: Record<string, unknown> | null;
  created_at: string;
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: Number(row.id),
    message_id: row.message_id,
    datetime: formatStoredTimestamp(row.datetime),
    environment: row.environment,
    source: row.source,
    payload: row.payload,
    created_at: formatStoredTimestamp(row.created_at),
  };
}

function arrays(messages: readonly MessageToStore[]): unknown[] {
  return [
    messages.map((m) => m.messageId),
    messages.map((m) => m.datetime),
    messages.map((m) => m.environment),
    messages.map((m) => m.source),
    messages.map((m) => m.payload),
  ];
}

const INPUT = `unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::jsonb[])
  WITH ORDINALITY AS i(message_id, datetime, environment, source, payload, ord)`;

/** Runs one named database operation; the app passes one that records its duration. */
export type OperationTimer = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

const untimed: OperationTimer = (_operation, work) => work();

export interface RepositoryHooks {
  /** Records the duration of each operation. */
  time?: OperationTimer;
  /** Called after a commit that stored at least one message of the tenant. */
  stored?: (tenantId: string) => void;
}

/**
 * One statement inserts what is new; a second, only when needed, compares the
 * rest with what is stored: the same content is a duplicate, different content a conflict.
 * The caller ensures message ids are distinct within the call.
 */
async function insertWithin(tx: Queryable, messages: readonly MessageToStore[]): Promise<InsertOutcome[]> {
  const params = arrays(messages);
  const inserted = await tx.query<MessageRow>(
    `INSERT INTO messages AS m (message_id, datetime, environment, source, payload)
     SELECT message_id, datetime, environment, source, payload FROM ${INPUT} ORDER BY ord
     ON CONFLICT (message_id) DO NOTHING
     RETURNING ${columns('m')}`,
    params,
  );
  const byId = new Map<string, InsertOutcome>();
  for (const row of inserted.rows) byId.set(row.message_id, { status: 'stored', message: toMessage(row) });
  const missing = messages.filter((m) => !byId.has(m.messageId));
  if (missing.length > 0) {
    const existing = await tx.query<MessageRow & { same: boolean }>(
      `SELECT ${columns('m')},
              (m.datetime = i.datetime AND m.environment = i.environment
               AND m.source IS NOT DISTINCT FROM i.source AND m.payload IS NOT DISTINCT FROM i.payload) AS same
         FROM ${INPUT} JOIN messages m ON m.message_id = i.message_id`,
      arrays(missing),
    );
    for (const row of existing.rows) {
      byId.set(row.message_id, { status: row.same ? 'duplicate' : 'conflict', message: toMessage(row) });
    }
  }
  return messages.map((m) => {
    const outcome = byId.get(m.messageId);
    if (!outcome) throw new Error(`message ${m.messageId} was neither stored nor found`);
    return outcome;
  });
}

/** Every read and write of tenant messages; each call is one tenant-scoped transaction. */
export class MessagesRepository {
  private readonly time: OperationTimer;
  private readonly stored: (tenantId: string) => void;

  constructor(
    private readonly db: Database,
    hooks: RepositoryHooks = {},
  ) {
    this.time = hooks.time ?? untimed;
    this.stored = hooks.stored ?? (() => undefined);
  }

  /** Stores one tenant's messages in one transaction (see insertWithin). */
  async insertMany(tenant: TenantRef, messages: readonly MessageToStore[]): Promise<InsertOutcome[]> {
    if (messages.length === 0) return [];
    const outcomes = await this.time('insert', () => withTenant(this.db, tenant, (tx) => insertWithin(tx, messages), { serializeInserts: true }));
    if (outcomes.some((o) => o.status === 'stored')) this.stored(tenant.id);
    return outcomes;
  }

  /**
   * Stores the messages of several tenants in one transaction, one statement
   * per tenant, each under the tenant's own role: one commit for all of them.
   */
  async insertForTenants(groups: readonly { tenant: TenantRef; messages: readonly MessageToStore[] }[]): Promise<InsertOutcome[][]> {
    if (groups.length === 1) return [await this.insertMany(groups[0]!.tenant, groups[0]!.messages)];
    const outcomes = await this.time('insert', () =>
      withEachTenant(this.db, groups.map((g) => g.tenant), (tx, _tenant, index) => insertWithin(tx, groups[index]!.messages), { serializeInserts: true }),
    );
    groups.forEach((group, index) => {
      if (outcomes[index]!.some((o) => o.status === 'stored')) this.stored(group.tenant.id);
    });
    return outcomes;
  }

  /** Newest first, by id: new arrivals never shift a page already read. */
  async list(tenant: TenantRef, filter: ListFilter): Promise<StoredMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.environment !== undefined) add('m.environment = ?', filter.environment);
    if (filter.since !== undefined) add('m.datetime >= ?::timestamptz', filter.since);
    if (filter.until !== undefined) add('m.datetime < ?::timestamptz', filter.until);
    if (filter.beforeId !== undefined) add('m.id < ?', filter.beforeId);
    params.push(filter.limit);
    const sql = `SELECT ${columns('m')} FROM messages m
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY m.id DESC LIMIT $${params.length}`;
    return this.time('list', () => withTenant(this.db, tenant, async (tx) => (await tx.query<MessageRow>(sql, params)).rows.map(toMessage)));
  }

  /** Messages committed after afterId, oldest first, for the live stream. */
  async after(tenant: TenantRef, afterId: number, limit: number): Promise<StoredMessage[]> {
    return this.time('after', () => withTenant(this.db, tenant, async (tx) => {
      const result = await tx.query<MessageRow>(
        `SELECT ${columns('m')} FROM messages m WHERE m.id > $1 ORDER BY m.id LIMIT $2`,
        [afterId, limit],
      );
      return result.rows.map(toMessage);
    }));
  }

  async latestId(tenant: TenantRef): Promise<number> {
    return withTenant(this.db, tenant, async (tx) => {
      const result = await tx.query<{ id: string | null }>('SELECT max(id) AS id FROM messages');
      return Number(result.rows[0]?.id ?? 0);
    });
  }

  async statistics(tenant: TenantRef): Promise<{ environments: Record<string, number>; total: number; lastMessage: string | null }> {
    return this.time('statistics', () => withTenant(this.db, tenant, async (tx) => {
      const counts = await tx.query<{ environment: string; n: string | number }>(
        'SELECT environment, count(*) AS n FROM messages GROUP BY environment ORDER BY environment',
      );
      const last = await tx.query<{ created_at: string }>(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', ${UTC_MICROS}) AS created_at FROM messages ORDER BY id DESC LIMIT 1`,
      );
      const environments: Record<string, number> = {};
      let total = 0;
      for (const row of counts.rows) {
        environments[row.environment] = Number(row.n);
        total += Number(row.n);
      }
      const lastRow = last.rows[0];
      return { environments, total, lastMessage: lastRow ? formatStoredTimestamp(lastRow.created_at) : null };
    }));
  }

  /** Counts per bucket of arrival time and environment, for the dashboard's chart. */
  async buckets(
    tenant: TenantRef,
    range: { from: string; to: string; bucketSeconds: number; environment?: string | undefined },
  ): Promise<{ start: string; environment: string; count: number }[]> {
    return this.time('buckets', () => withTenant(this.db, tenant, async (tx) => {
      const params: unknown[] = [`${range.bucketSeconds} seconds`, range.from, range.to];
      let filter = '';
      if (range.environment !== undefined) {
        params.push(range.environment);
        filter = 'AND environment = $4';
      }
      const result = await tx.query<{ start: string; environment: string; n: string | number }>(
        `SELECT to_char(date_bin($1::interval, created_at, $2::timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start,
                environment, count(*) AS n
           FROM messages
          WHERE created_at >= $2::timestamptz AND created_at < $3::timestamptz ${filter}
          GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      );
      return result.rows.map((r) => ({ start: r.start, environment: r.environment, count: Number(r.n) }));
    }));
  }
}

