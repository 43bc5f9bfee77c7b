import { PulseError } from '@pulse/contract';

/** Cursors are opaque to clients: "v1:<last id>" in base64url, so the format can change. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`v1:${lastId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^v1:([0-9]{1,15})$/.exec(text);
  if (!match) throw new PulseError('VALIDATION_FAILED', 'cursor is not a cursor this API issued (use next_cursor as given)', { details: { field: 'cursor' } });
  return Number(match[1]);
}
