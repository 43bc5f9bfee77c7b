import type { StoredMessage } from '@pulse/contract';
import type { FastifyInstance } from 'fastify';
import type { ConsumerDeps } from '../app.ts';
import { toCsv, toNdjson } from '../export-format.ts';
import { tenantAccess } from '../session.ts';
import { answerApiFailure, messagesQuerySchema, type MessagesQuery } from './data-routes.ts';

/** An export is bounded so one click cannot hold the API (and this server's memory) for long. */
export const EXPORT_MAX_ROWS = 10_000;
const PAGE = 1000;

const schema = {
  querystring: {
    ...messagesQuerySchema,
    properties: { ...messagesQuerySchema.properties, format: { type: 'string', enum: ['csv', 'ndjson'] } },
    required: ['format'],
  },
};

/** The current view (same filters as the table) as a file, read page by page through the API's cursor. */
export function exportRoute(app: FastifyInstance, deps: ConsumerDeps): void {
  app.get<{ Querystring: MessagesQuery & { format: 'csv' | 'ndjson' } }>('/api/export', { schema }, async (request, reply) => {
    const { tenant, format, environment, since, until } = request.query;
    const access = tenantAccess(request, reply, deps.policy, tenant);
    if (access === undefined) return reply;
    const messages: StoredMessage[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await deps.api.messages(access.key, { environment, since, until, cursor, limit: Math.min(PAGE, EXPORT_MAX_ROWS - messages.length) });
        messages.push(...page.messages);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined && messages.length < EXPORT_MAX_ROWS);
    } catch (error) {
      return answerApiFailure(request, reply, error);
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const filename = `pulse-${access.tenant.id.replace(/[^a-z0-9-]/g, '')}-${stamp}.${format}`;
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('x-export-truncated', cursor === undefined ? 'false' : 'true')
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .send(format === 'csv' ? toCsv(messages) : toNdjson(messages));
  });
}
