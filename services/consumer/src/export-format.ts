import type { StoredMessage } from '@pulse/contract';

export const EXPORT_COLUMNS = ['id', 'message_id', 'datetime', 'environment', 'created_at', 'source', 'payload'] as const;

/** Spreadsheets run a cell that starts like a formula; a leading apostrophe keeps it text. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(messages: readonly StoredMessage[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const m of messages) {
    lines.push([m.id, m.message_id, m.datetime, m.environment, m.created_at, m.source, m.payload === null ? null : JSON.stringify(m.payload)].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function toNdjson(messages: readonly StoredMessage[]): string {
  return messages.map((m) => `${JSON.stringify(m)}\n`).join('');
}
