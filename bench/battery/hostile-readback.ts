import pg from 'pg';
import type { MessageText } from './hostile-arbitraries.ts';

export interface Accepted {
  readonly tenant: string;
  readonly messageId: string;
  readonly sent: MessageText;
}

export interface Readback {
  /** Rows no accepted request accounts for: something written for a rejected request. */
  unexpected_rows: number;
  missing: number;
  /** Accepted messages stored other than as sent (a field coerced, dropped or rewritten). */
  changed: number;
  examples: string[];
}

interface Row {
  message_id: string;
  environment: string;
  source: string | null;
}

/**
 * Compares each stored message with the JSON text that was sent. PostgreSQL
 * parses the sent text itself, so a number JavaScript rounded or a character
 * it dropped shows up as a difference instead of being compared with itself.
 */
export async function readBackAccepted(databaseUrl: string, tenants: readonly string[], accepted: readonly Accepted[]): Promise<Readback> {
  const result: Readback = { unexpected_rows: 0, missing: 0, changed: 0, examples: [] };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("SET TIME ZONE 'UTC'");
  const differ = (what: string, item: Accepted): void => {
    result.changed += 1;
    if (result.examples.length < 5) result.examples.push(`${what} changed for ${item.tenant}/${item.messageId}: sent ${item.sent.text.slice(0, 300)}`);
  };
  try {
    for (const tenant of tenants) {
      const schema = pg.escapeIdentifier(`tenant_${tenant}`);
      const rows = await client.query<Row>(`SELECT message_id, environment, source FROM ${schema}.messages`);
      const mine = new Map(accepted.filter((a) => a.tenant === tenant).map((a) => [a.messageId, a]));
      const stored = new Map(rows.rows.map((r) => [r.message_id, r]));
      for (const row of rows.rows) if (!mine.has(row.message_id)) result.unexpected_rows += 1;
      for (const item of mine.values()) {
        const row = stored.get(item.messageId);
        if (!row) {
          result.missing += 1;
          continue;
        }
        const fields = item.sent.fields;
        if (fields.message_id !== undefined && JSON.parse(fields.message_id) !== item.messageId) differ('message_id', item);
        if (fields.environment !== undefined && JSON.parse(fields.environment) !== row.environment) differ('environment', item);
        if (fields.source !== undefined && JSON.parse(fields.source) !== row.source) differ('source', item);
        try {
          const same = await client.query<{ payload: boolean | null; datetime: boolean }>(
            `SELECT payload IS NOT DISTINCT FROM $2::jsonb AS payload, datetime = $3::timestamptz AS datetime FROM ${schema}.messages WHERE message_id = $1`,
            [item.messageId, fields.payload ?? null, JSON.parse(fields.datetime!) as string],
          );
          if (!same.rows[0]?.payload) differ('payload', item);
          if (!same.rows[0]?.datetime) differ('datetime', item);
        } catch (error) {
          differ(`accepted what PostgreSQL cannot read (${(error as Error).message})`, item);
        }
      }
    }
  } finally {
    await client.end();
  }
  return result;
}
