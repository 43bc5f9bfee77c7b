import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createTestDatabase } from '@pulse/test-support';
import { adminCreateKey, adminCreateTenant, startApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';

/**
 * Issue 8 test 8. Runs last: every log file and database dump the battery
 * collected is searched for every key, admin token and password it handed out.
 * It first adds a run of its own at trace level, with a database password in
 * DATABASE_URL and keys sent in every place a client may put them.
 */
export const secretsTest: BatteryTest = {
  name: 'secrets',
  async run(context) {
    const database = await createTestDatabase('battery_secrets');
    const password = `pw-${randomBytes(16).toString('hex')}`;
    const url = new URL(database.url);
    url.password = password;
    const logFile = join(context.workDir, 'secrets.log');
    context.secrets.addLogFile(logFile);
    context.secrets.addSecret('database password', password);
    const api = await startApi({ databaseUrl: url.toString(), logFile, env: { LOG_LEVEL: 'trace' } });
    try {
      context.secrets.addSecret('admin token', api.adminToken);
      const { key } = await adminCreateTenant(api, 'secretive');
      const reader = await adminCreateKey(api, 'secretive', ['read']);
      context.secrets.addSecret('api key', key);
      context.secrets.addSecret('api key', reader.key);
      const wrongKey = `${key.slice(0, -4)}zzzz`;
      context.secrets.addSecret('almost-right api key', wrongKey);
      const body = JSON.stringify({ datetime: '2026-01-01T00:00:00Z', payload: { note: 'hello' } });
      for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }, { authorization: `Bearer ${wrongKey}` }, { authorization: `Basic ${Buffer.from(`u:${key}`).toString('base64')}` }] as Record<string, string>[]) {
        await fetch(`${api.url}/api/messages`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
        await fetch(`${api.url}/api/messages?limit=1`, { headers });
      }
      await fetch(`${api.url}/api/messages?api_key=${key}`);
      await fetch(`${api.url}/admin/tenants`, { headers: { authorization: `Bearer ${api.adminToken.slice(0, -2)}xx` } });
      await fetch(`${api.url}/admin/tenants/secretive/keys`, { headers: { authorization: `Bearer ${api.adminToken}` } });
      await fetch(`${api.url}/api/messages`, { method: 'POST', headers: { authorization: `Bearer ${reader.key}`, 'content-type': 'application/json' }, body });
    } finally {
      await api.stop();
      await context.secrets.scanDatabase(database.url);
      await database.drop();
    }
    context.secrets.scanLogs();
    const ledger = context.secrets;
    const where = [...new Set(ledger.findings.map((f) => `${f.kind} in ${f.where}`))];
    return {
      figures: { secrets: ledger.secretCount, log_files: ledger.logFileCount, databases: ledger.databasesScanned, mb_scanned: ledger.bytesScanned / 1e6, findings: ledger.findings.length },
      checks: [
        check('0 secrets in clear in logs or databases', ledger.findings.length === 0, where.join('; ') || 'none'),
        check('the scan saw logs and databases', ledger.logFileCount > 0 && ledger.databasesScanned > 0 && ledger.bytesScanned > 0, `${ledger.logFileCount} logs, ${ledger.databasesScanned} databases`),
      ],
    };
  },
};
