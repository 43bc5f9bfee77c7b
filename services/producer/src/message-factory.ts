import { v7 as uuidv7 } from 'uuid';
import type { SpooledMessage } from './spool.ts';
import type { PayloadSource } from './payload-source.ts';

/**
 * Makes a message with its id fixed at creation: every retry and every replay
 * from the spool sends this same id, so the API stores it once.
 */
export function createMessageFactory(source: string, payloadSource: PayloadSource): (environment: string) => SpooledMessage {
  return (environment) => {
    const datetime = new Date().toISOString();
    const payload = payloadSource({ datetime, environment, source });
    return { message_id: uuidv7(), datetime, environment, source, ...(payload === undefined ? {} : { payload }) };
  };
}
