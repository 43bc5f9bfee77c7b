import { Type } from '@sinclair/typebox';
import { CreateMessageResponse, ErrorResponse, MessageInput, PulseError } from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import { validateMessage } from '../../domain/message-validation.ts';
import { requireScope, tenantOf } from '../../plugins/authentication.ts';
import { newMessageId } from '../../domain/message-ids.ts';

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Client id of the message; same as message_id' })),
});

export function createMessageRoute(app: PulseApp, services: Services): void {
  app.post(
    '/api/messages',
    {
      onRequest: requireScope(services.keys, 'ingest'),
      schema: {
        summary: 'Store one message',
        description: '201 once committed; a retry with the same message_id or Idempotency-Key answers 200 with the stored message.',
        tags: ['messages'],
        headers: IdempotencyHeaders,
        body: MessageInput,
        response: { 200: CreateMessageResponse, 201: CreateMessageResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const checked = validateMessage(request.body, request.headers['idempotency-key']);
      if (!checked.ok) throw new PulseError('VALIDATION_FAILED', checked.error, { details: { field: checked.field } });
      const message = { ...checked.message, messageId: checked.message.messageId ?? newMessageId() };
      const outcome = await services.writer.submit(tenant, message);
      services.metrics.recordOutcomes(tenant.id, [outcome]);
      if (outcome.status === 'conflict') {
        throw new PulseError('IDEMPOTENCY_KEY_REUSED', `message_id ${message.messageId} was already used for a different message`, {
          details: { field: 'message_id', stored: outcome.message },
        });
      }
      if (outcome.status === 'duplicate') {
        void reply.header('idempotent-replayed', 'true');
        return reply.code(200).send({ message: 'Message already stored', data: outcome.message });
      }
      return reply.code(201).send({ message: 'Message stored successfully', data: outcome.message });
    },
  );
}
