import { ErrorResponse, ListMessagesQuery, ListMessagesResponse, PulseError } from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import { decodeCursor, encodeCursor } from '../../domain/cursor.ts';
import { parseDatetime } from '../../domain/datetime.ts';
import { requireScope, tenantOf } from '../../plugins/authentication.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

function instant(field: 'since' | 'until', text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDatetime(text);
  if (!parsed) throw new PulseError('VALIDATION_FAILED', `${field} must be an ISO 8601 timestamp`, { details: { field, context: 'querystring' } });
  return parsed;
}

export function listMessagesRoute(app: PulseApp, services: Services): void {
  app.get(
    '/api/messages',
    {
      onRequest: requireScope(services.keys, 'read'),
      schema: {
        summary: 'Messages, newest stored first',
        description: 'All environments unless `environment` is given (the original defaulted to prod). Page with `next_cursor`.',
        tags: ['messages'],
        querystring: ListMessagesQuery,
        response: { 200: ListMessagesResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const query = request.query;
      const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new PulseError('VALIDATION_FAILED', `limit must be between 1 and ${MAX_LIMIT}`, { details: { field: 'limit', context: 'querystring' } });
      }
      const since = instant('since', query.since);
      const until = instant('until', query.until);
      const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = await services.messages.list(tenantOf(request), { environment: query.environment, since, until, beforeId, limit: limit + 1 });
      const messages = rows.slice(0, limit);
      const last = messages.at(-1);
      return {
        messages,
        count: messages.length,
        next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      };
    },
  );
}
