import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const IDS_PER_FILL = 512;
const pool = Buffer.allocUnsafe(16 * IDS_PER_FILL);
let offset = pool.length;

/**
 * A UUIDv7 for a message that came without an id. Its random bits come from a
 * pooled buffer refilled once per 512 ids: one random-number call per message
 * cost 14 % of the API's CPU on 1,000-message batches.
 */
export function newMessageId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.subarray(offset, offset + 16);
  offset += 16;
  return v7({ random });
}
