import { parseArgs } from 'node:util';
import { TENANT_ID_PATTERN, type ApiKeyScope } from '@pulse/contract';
import { toTenantBody } from '@pulse/api';
import type { Env } from './main.ts';
import { UsageError } from './usage-error.ts';
import { withOperatorDatabase } from './operator-database.ts';

const TENANT_ID = new RegExp(TENANT_ID_PATTERN);

function tenantId(value: string | undefined): string {
  if (value === undefined) throw new UsageError('a tenant id is required');
  if (!TENANT_ID.test(value)) throw new UsageError(`tenant id "${value}" must be a lowercase slug of 1 to 40 characters (a-z, 0-9, -)`);
  return value;
}

function print(json: boolean, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
}

export async function tenantCommand(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, 'rate-limit': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [action, id] = positionals;
  const json = values.json ?? false;
  switch (action) {
    case 'create': {
      const tenant = tenantId(id);
      const rate = values['rate-limit'];
      if (rate !== undefined && !/^[1-9][0-9]{0,7}$/.test(rate)) throw new UsageError('--rate-limit must be a positive whole number of requests per minute');
      const created = await withOperatorDatabase(env, (ctx) =>
        ctx.tenants.create({ id: tenant, name: values.name, rateLimitPerMinute: rate === undefined ? undefined : Number(rate) }),
      );
      print(json, { tenant: toTenantBody(created.tenant), api_key: created.apiKey }, [
        `Created tenant ${created.tenant.id} (${created.tenant.name}).`,
        `API key ${created.apiKey.id} (${created.apiKey.scopes.join(', ')}), shown only this once:`,
        '',
        `  ${created.apiKey.key}`,
      ].join('\n'));
      return 0;
    }
    case 'list': {
      const tenants = await withOperatorDatabase(env, (ctx) => ctx.tenants.list());
      const lines = tenants.map((t) => `${t.id.padEnd(40)} ${t.createdAt}  ${t.name}`);
      print(json, { tenants: tenants.map(toTenantBody) }, lines.length > 0 ? lines.join('\n') : 'No tenants yet: pulse tenant create <id>');
      return 0;
    }
    case 'delete': {
      const tenant = tenantId(id);
      const deleted = await withOperatorDatabase(env, (ctx) => ctx.tenants.delete(tenant));
      if (!deleted) {
        process.stderr.write(`pulse tenant delete: tenant ${tenant} does not exist\n`);
        return 1;
      }
      process.stdout.write(`Deleted tenant ${tenant}, its schema, its role and its keys.\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown tenant action "${action ?? ''}"`);
  }
}

export async function keyCommand(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { scope: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } },
  });
  const [action, id, keyId] = positionals;
  const tenant = tenantId(id);
  switch (action) {
    case 'create': {
      const scopes = (values.scope ?? ['ingest', 'read']).flatMap((s) => s.split(','));
      for (const scope of scopes) if (scope !== 'ingest' && scope !== 'read') throw new UsageError(`--scope must be ingest or read, not "${scope}"`);
      const key = await withOperatorDatabase(env, (ctx) => ctx.tenants.createKey(tenant, [...new Set(scopes)] as ApiKeyScope[]));
      if (!key) {
        process.stderr.write(`pulse key create: tenant ${tenant} does not exist\n`);
        return 1;
      }
      print(values.json ?? false, key, `API key ${key.id} for ${tenant} (${key.scopes.join(', ')}), shown only this once:\n\n  ${key.key}`);
      return 0;
    }
    case 'list': {
      const keys = await withOperatorDatabase(env, (ctx) => ctx.tenants.listKeys(tenant));
      const lines = keys.map((k) => `${k.id}  ${k.scopes.join(',').padEnd(11)} created ${k.created_at}${k.revoked_at ? `  revoked ${k.revoked_at}` : ''}`);
      print(values.json ?? false, { keys }, lines.join('\n') || `Tenant ${tenant} has no keys.`);
      return 0;
    }
    case 'revoke': {
      if (keyId === undefined || !/^[0-9a-f]{16}$/.test(keyId)) throw new UsageError('a key id (16 hex characters, as `pulse key list` shows) is required');
      const revoked = await withOperatorDatabase(env, (ctx) => ctx.tenants.revokeKey(tenant, keyId));
      if (!revoked) {
        process.stderr.write(`pulse key revoke: tenant ${tenant} has no live key ${keyId}\n`);
        return 1;
      }
      process.stdout.write(`Revoked key ${keyId} of ${tenant}; running APIs refuse it within KEY_CACHE_TTL (default 5 s).\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown key action "${action ?? ''}"`);
  }
}
