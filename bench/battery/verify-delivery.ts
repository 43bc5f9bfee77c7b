import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import type { LogicalMessage } from './chaos-client.ts';

export interface DeliveryReport {
  /** Rows read back from every tenant schema. */
  stored: number;
  /** Acknowledged messages that are not stored. */
  lost: number;
  /** Logical messages stored more than once (counted once per extra copy). */
  duplicated: number;
  /** Rows whose content differs from what was sent under that message_id, or that no client sent. */
  corrupted: number;
  /** Messages a client never got a definite answer for. */
  undecided: number;
}

interface Row {
  message_id: string;
  datetime: Date;
  environment: string;
  source: string | null;
  payload: Record<string, unknown> | null;
}

/**
 * Reads everything back from PostgreSQL as its owner and compares it with what
 * the clients believe: acknowledged means stored, once, exactly as sent.
 */
export async function verifyDelivery(databaseUrl: string, tenants: readonly string[], messages: readonly LogicalMessage[]): Promise<DeliveryReport> {
  const byId = new Map<string, LogicalMessage>();
  for (const message of messages) for (const id of message.ids) byId.set(`${message.tenant}/${id}`, message);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const report: DeliveryReport = { stored: 0, lost: 0, duplicated: 0, corrupted: 0, undecided: 0 };
  const copies = new Map<LogicalMessage, number>();
  const storedIds = new Set<string>();
  try {
    for (const tenant of tenants) {
      const result = await client.query<Row>(`SELECT message_id, datetime, environment, source, payload FROM ${pg.escapeIdentifier(`tenant_${tenant}`)}.messages`);
      for (const row of result.rows) {
        report.stored += 1;
        const key = `${tenant}/${row.message_id}`;
        storedIds.add(key);
        const sent = byId.get(key);
        if (!sent) {
          report.corrupted += 1;
          continue;
        }
        copies.set(sent, (copies.get(sent) ?? 0) + 1);
        // Compared as it went over the wire (JSON has no -0, for one).
        const same =
          row.datetime.getTime() === Date.parse(sent.body.datetime) &&
          row.environment === sent.body.environment &&
          row.source === sent.body.source &&
          isDeepStrictEqual(row.payload, JSON.parse(JSON.stringify(sent.body.payload)));
        if (!same) report.corrupted += 1;
      }
    }
  } finally {
    await client.end();
  }
  for (const message of messages) {
    if (message.ackedId !== undefined && !storedIds.has(`${message.tenant}/${message.ackedId}`)) report.lost += 1;
    if (message.ackedId === undefined && message.rejected === undefined) report.undecided += 1;
    report.duplicated += Math.max(0, (copies.get(message) ?? 0) - 1);
  }
  return report;
}
