import { join } from 'node:path';
import { ERROR_CATALOGUE, isErrorCode } from '@pulse/contract';
import { createTestDatabase } from '@pulse/test-support';
import fc from 'fast-check';
import { adminCreateKey, adminCreateTenant, startApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';
import { adminBody, contentType, hostileBody, hostileString, queryString, type MessageText } from './hostile-arbitraries.ts';
import { rawHttp, type RawRequest, type RawResponse } from './raw-http.ts';
import { readBackAccepted, type Accepted } from './hostile-readback.ts';

const SEED = Number(process.env.BATTERY_SEED ?? 20_260_101);
const CASES = { ci: 1500, full: 12_000 };
const PARALLEL = 6;

type KeyKind = 'own' | 'readonly' | 'other' | 'none' | 'admin' | 'hostile' | 'raw';
type Route = 'message' | 'batch' | 'list' | 'tenant' | 'stats' | 'admin-create' | 'admin-path' | 'odd-path';

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD, as any client would send it). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
}

const caseArbitrary = fc.record({
  route: fc.constantFrom<Route>('message', 'message', 'message', 'batch', 'list', 'tenant', 'stats', 'admin-create', 'admin-path', 'odd-path'),
  key: fc.constantFrom<KeyKind>('own', 'own', 'own', 'own', 'readonly', 'other', 'none', 'admin', 'hostile', 'raw'),
  body: hostileBody,
  admin: adminBody,
  contentType,
  query: queryString,
  hostileText: hostileString,
  rawBytes: fc.uint8Array({ minLength: 1, maxLength: 60 }),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'FOO'),
  useApiKeyHeader: fc.boolean(),
});
type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

interface Keys {
  own: string;
  readonly: string;
  other: string;
  admin: string;
}

function authHeaders(c: Case, keys: Keys): [string, string | Buffer][] {
  const named = (key: string): [string, string][] => (c.useApiKeyHeader ? [['x-api-key', key]] : [['authorization', `Bearer ${key}`]]);
  switch (c.key) {
    case 'own': return named(keys.own);
    case 'readonly': return named(keys.readonly);
    case 'other': return named(keys.other);
    case 'admin': return [['authorization', `Bearer ${keys.admin}`]];
    case 'none': return [];
    case 'hostile': return named(c.hostileText);
    case 'raw': return [[c.useApiKeyHeader ? 'x-api-key' : 'authorization', Buffer.from(c.rawBytes)]];
  }
}

function toRequest(c: Case, keys: Keys): RawRequest {
  const auth = authHeaders(c, keys);
  const json = (path: string, body: Buffer): RawRequest => ({ method: 'POST', path, headers: [...auth, ['content-type', c.contentType]], body });
  const segment = percentEncode(c.hostileText).slice(0, 2000);
  switch (c.route) {
    case 'message': return json('/api/messages', c.body.shape === 'batch' ? Buffer.from(c.body.messages[0]?.text ?? '{}') : c.body.body);
    case 'batch': return json('/api/messages/batch', c.body.body);
    case 'list': return { method: 'GET', path: `/api/messages?${c.query}`, headers: auth };
    case 'tenant': return { method: 'GET', path: `/api/tenants?${c.query}`, headers: auth };
    case 'stats': return { method: 'GET', path: `/api/stats?${c.query}`, headers: auth };
    case 'admin-create': return json('/admin/tenants', c.admin);
    case 'admin-path': return { method: c.method === 'DELETE' ? 'DELETE' : 'GET', path: `/admin/tenants/${segment}${c.method === 'GET' ? '/keys' : ''}`, headers: auth };
    case 'odd-path': return { method: c.method, path: `/api/messages/${segment}?${c.query}`, headers: auth, body: c.body.body };
  }
}

/** The messages a case sent, when the API said it stored them. */
function accepted(c: Case, response: RawResponse, tenant: string): Accepted[] {
  if (c.route === 'message' && response.status === 201) {
    const message: MessageText | undefined = c.body.shape === 'batch' ? c.body.messages[0] : c.body.messages[0];
    const data = (JSON.parse(response.body) as { data: { message_id: string } }).data;
    return message ? [{ tenant, messageId: data.message_id, sent: message }] : [];
  }
  if (c.route === 'batch' && response.status === 200 && c.body.shape === 'batch') {
    const results = (JSON.parse(response.body) as { results: { index: number; status: string; message_id: string }[] }).results;
    return results.filter((r) => r.status === 'stored').map((r) => ({ tenant, messageId: r.message_id, sent: c.body.messages[r.index]! }));
  }
  return [];
}

/** Issue 8 test 2: generated hostile requests never get a 5xx, never crash, never write on rejection, never coerce. */
export const hostileInputTest: BatteryTest = {
  name: 'hostile-input',
  async run(context) {
    const database = await createTestDatabase('battery_hostile');
    const logFile = join(context.workDir, 'hostile.log');
    context.secrets.addLogFile(logFile);
    const api = await startApi({ databaseUrl: database.url, logFile, env: { RATE_LIMIT_PER_MINUTE: '100000000' } });
    let crashed = false;
    void api.exited.then(() => (crashed = true));
    try {
      const own = await adminCreateTenant(api, 'hostile');
      const other = await adminCreateTenant(api, 'bystander');
      const readonly = await adminCreateKey(api, 'hostile', ['read']);
      const keys: Keys = { own: own.key, other: other.key, readonly: readonly.key, admin: api.adminToken };
      for (const [kind, value] of Object.entries(keys)) context.secrets.addSecret(kind, value);
      const cases = fc.sample(caseArbitrary, { numRuns: CASES[context.size], seed: SEED });
      const counts = { cases: 0, accepted_requests: 0, rejected: 0, status_5xx: 0, no_answer: 0, bad_error_body: 0 };
      const examples: string[] = [];
      const acceptedMessages: Accepted[] = [];
      const note = (problem: string, c: Case, response: RawResponse): void => {
        if (examples.length < 5) examples.push(`${problem}: ${c.route} ${c.key} ${response.status} ${response.body.slice(0, 200)} <- ${toRequest(c, keys).body?.toString('utf8').slice(0, 200) ?? ''}`);
      };
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < cases.length && !crashed) {
          const c = cases[next++]!;
          let response: RawResponse;
          try {
            response = await rawHttp(api.port, toRequest(c, keys));
          } catch (error) {
            response = { status: 0, headers: {}, body: (error as Error).message };
          }
          counts.cases += 1;
          if (response.status === 0) {
            counts.no_answer += 1;
            note('no answer', c, response);
          } else if (response.status >= 500) {
            counts.status_5xx += 1;
            note('5xx', c, response);
          } else if (response.status >= 400) {
            counts.rejected += 1;
            let body: { code?: unknown; error?: unknown } = {};
            try {
              body = JSON.parse(response.body) as typeof body;
            } catch {
              body = {};
            }
            // A HEAD answer has no body by definition.
            const good = c.route === 'odd-path' && c.method === 'HEAD' ? true : isErrorCode(body.code) && ERROR_CATALOGUE[body.code].status === response.status && typeof body.error === 'string' && /json/.test(response.headers['content-type'] ?? '');
            if (!good) {
              counts.bad_error_body += 1;
              note('error body', c, response);
            }
          } else {
            counts.accepted_requests += 1;
            acceptedMessages.push(...accepted(c, response, c.key === 'other' ? 'bystander' : 'hostile'));
          }
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      const readback = await readBackAccepted(database.url, ['hostile', 'bystander'], acceptedMessages);
      const healthy = !crashed && (await fetch(`${api.url}/healthz`).then((r) => r.status === 200, () => false));
      const figures = { ...counts, messages_accepted: acceptedMessages.length, unexpected_rows: readback.unexpected_rows, missing: readback.missing, changed: readback.changed, seed: SEED };
      const checks = [
        check('every case ran', counts.cases === cases.length, `${counts.cases}/${cases.length}`),
        check('0 5xx', counts.status_5xx === 0, counts.status_5xx),
        check('0 crashes', healthy, healthy ? 'alive' : `process exited:\n${api.tail().slice(-1500)}`),
        check('every request answered', counts.no_answer === 0, counts.no_answer),
        check('every rejection a 4xx JSON error with a catalogue code', counts.bad_error_body === 0, counts.bad_error_body),
        check('nothing written for a rejected request', readback.unexpected_rows === 0, readback.unexpected_rows),
        check('every accepted message stored', readback.missing === 0, readback.missing),
        check('every accepted message read back unchanged', readback.changed === 0, readback.changed),
        check('some cases were accepted, some rejected', acceptedMessages.length > 0 && counts.rejected > 0, `${acceptedMessages.length} accepted`),
      ];
      if (examples.length > 0 || readback.examples.length > 0) checks.push(check('examples', false, [...examples, ...readback.examples].join('\n')));
      return { figures, checks };
    } finally {
      await api.stop();
      await context.secrets.scanDatabase(database.url);
      await database.drop();
    }
  },
};
