import { ErrorResponse, TenantResponse } from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import { requireScope, tenantOf } from '../../plugins/authentication.ts';

export function tenantRoutes(app: PulseApp, services: Services): void {
  app.get(
    '/api/tenants',
    {
      onRequest: requireScope(services.keys, 'read'),
      schema: {
        summary: 'The caller\'s tenant and its message statistics',
        description: 'Counts are numbers (the original sent strings). last_message is when the newest message was stored.',
        tags: ['tenants'],
        response: { 200: TenantResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const stats = await services.messages.statistics(tenant);
      return {
        tenantId: tenant.id,
        name: tenant.name,
        statistics: {
          total_messages: stats.total,
          prod_messages: stats.environments.prod ?? 0,
          test_messages: stats.environments.test ?? 0,
          last_message: stats.lastMessage,
          environments: stats.environments,
        },
      };
    },
  );
}
