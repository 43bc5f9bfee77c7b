import { BatchRequest, BatchResponse, ErrorResponse, type BatchResult } from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import type { MessageToStore } from '../../domain/messages-repository.ts';
import { validateMessage } from '../../domain/message-validation.ts';
import { requireScope, tenantOf } from '../../plugins/authentication.ts';
import { newMessageId } from '../../domain/message-ids.ts';

function sameContent(a: MessageToStore, b: MessageToStore): boolean {
  return a.datetime === b.datetime && a.environment === b.environment && a.source === b.source && a.payload === b.payload;
}

export function createBatchRoute(app: PulseApp, services: Services): void {
  app.post(
    '/api/messages/batch',
    {
      onRequest: requireScope(services.keys, 'ingest'),
      schema: {
        summary: 'Store up to 1,000 messages in one transaction',
        description: 'Valid messages are stored even when others are invalid; each result gives the message\'s fate.',
        tags: ['messages'],
        body: BatchRequest,
        response: { 200: BatchResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const results: BatchResult[] = [];
      const toStore: MessageToStore[] = [];
      const storeIndex: number[] = [];
      const firstById = new Map<string, MessageToStore>();
      const repeats: { index: number; message: MessageToStore }[] = [];

      request.body.messages.forEach((input, index) => {
        const checked = validateMessage(input);
        if (!checked.ok) {
          results[index] = { index, status: 'invalid', error: checked.error, code: 'VALIDATION_FAILED' };
          return;
        }
        const message = { ...checked.message, messageId: checked.message.messageId ?? newMessageId() };
        if (firstById.has(message.messageId)) {
          repeats.push({ index, message });
          return;
        }
        firstById.set(message.messageId, message);
        toStore.push(message);
        storeIndex.push(index);
      });

      const outcomes = await services.messages.insertMany(tenant, toStore);
      services.metrics.batchSize.observe(request.body.messages.length);
      services.metrics.recordOutcomes(tenant.id, outcomes);
      const storedIds = new Map<string, number>();
      outcomes.forEach((outcome, i) => {
        const index = storeIndex[i]!;
        const { id, message_id } = outcome.message;
        if (outcome.status === 'conflict') {
          results[index] = { index, status: 'invalid', message_id, code: 'IDEMPOTENCY_KEY_REUSED', error: `message_id ${message_id} was already used for a different message` };
        } else {
          storedIds.set(message_id, id);
          results[index] = { index, status: outcome.status, message_id, id };
        }
      });
      for (const { index, message } of repeats) {
        const first = firstById.get(message.messageId)!;
        const storedId = storedIds.get(message.messageId);
        results[index] = storedId !== undefined && sameContent(first, message)
          ? { index, status: 'duplicate', message_id: message.messageId, id: storedId }
          : { index, status: 'invalid', message_id: message.messageId, code: 'IDEMPOTENCY_KEY_REUSED', error: `message_id ${message.messageId} appears twice in the batch with different content` };
      }
      for (const result of results) {
        if (result.status === 'invalid') services.metrics.rejected(result.code ?? 'VALIDATION_FAILED', tenant.id);
      }
      const count = (status: BatchResult['status']): number => results.filter((r) => r.status === status).length;
      return { stored: count('stored'), duplicates: count('duplicate'), invalid: count('invalid'), results };
    },
  );
}
