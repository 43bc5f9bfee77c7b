import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant, createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';
import { loadConsumerConfig, startConsumer, type ConsumerServer } from '../src/index.ts';
import { HttpSession, postMessage, readKey } from './http-session.ts';

describe('dashboard server', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let dashboard: ConsumerServer;
  let keyA: string;
  let readA: string;
  let readB: string;
  let ingestOnlyA: string;

  const start = (extra: Record<string, string> = {}): Promise<ConsumerServer> =>
    startConsumer({ config: loadConsumerConfig({ API_BASE_URL: api.url, CONSUMER_PORT: '0', CONSUMER_HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...extra }) });

  before(async () => {
    db = await createTestDatabase('consumer_srv');
    api = await startApiProcess({ databaseUrl: db.url, env: { KEY_CACHE_TTL: '0' } });
    keyA = await createTenant(api, 'tenant-a');
    const keyB = await createTenant(api, 'tenant-b');
    readA = await readKey(api, 'tenant-a');
    readB = await readKey(api, 'tenant-b');
    ingestOnlyA = await readKey(api, 'tenant-a', ['ingest']);
    await postMessage(api, keyA, { datetime: '2026-01-31T12:00:00Z', environment: 'prod', source: '=cmd|calc', payload: { n: 1 } });
    await postMessage(api, keyA, { datetime: '2026-01-31T12:01:00Z', environment: 'test', payload: { n: 2 } });
    await postMessage(api, keyB, { datetime: '2026-01-31T12:00:00Z', environment: 'secret-b', payload: { b: true } });
    dashboard = await start();
  });

  after(async () => {
    await dashboard?.stop();
    await api?.stop();
    await db?.drop();
  });

  test('JSON routes answer 401 JSON, never a redirect, when signed out', async () => {
    const visitor = new HttpSession(dashboard.url);
    for (const path of ['/api/user', '/api/messages', '/api/tenants', '/api/stats', '/api/stream', '/api/health', '/api/export?format=csv']) {
      const response = await visitor.get(path);
      assert.equal(response.status, 401, path);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/, path);
      assert.equal(((await response.json()) as { code: string }).code, 'UNAUTHENTICATED', path);
    }
    assert.equal((await visitor.get('/dashboard')).headers.get('location'), '/');
  });

  test('the sign-in page has a labelled API key field, a strict CSP and no-cache', async () => {
    const response = await new HttpSession(dashboard.url).get('/');
    const html = await response.text();
    assert.match(html, /<label for="api_key">API key<\/label>/);
    assert.match(html, /<input id="api_key" name="api_key" type="password"/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(response.headers.get('cache-control') ?? '', /no-cache/);
    assert.doesNotMatch(html, /<script>|<style>|style=/, 'no inline script or style');
  });

  test('the sign-in form refuses a missing or wrong CSRF token', async () => {
    const visitor = new HttpSession(dashboard.url);
    await visitor.csrf('/');
    assert.equal((await visitor.postForm('/login/key', { api_key: readA })).status, 403);
    assert.equal((await visitor.postForm('/login/key', { api_key: readA, _csrf: 'forged' })).status, 403);
    assert.equal((await visitor.get('/api/user')).status, 401);
  });

  test('a read key signs in with a new HttpOnly SameSite=Lax session and shows only its own tenant', async () => {
    const visitor = new HttpSession(dashboard.url);
    const csrf = await visitor.csrf('/');
    const before = visitor.cookies.get('pulse_session');
    assert.ok(before, 'the sign-in page starts a session for its CSRF token');
    const response = await visitor.postForm('/login/key', { _csrf: csrf, api_key: readA });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/dashboard');
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('pulse_session='));
    assert.match(cookie ?? '', /HttpOnly/i);
    assert.match(cookie ?? '', /SameSite=Lax/i);
    assert.doesNotMatch(cookie ?? '', /Secure/i, 'plain http is not marked Secure in auto mode');
    assert.notEqual(visitor.cookies.get('pulse_session'), before, 'the session id is regenerated at sign-in');

    const user = (await (await visitor.get('/api/user')).json()) as { tenants: { id: string }[] };
    assert.deepEqual(user.tenants.map((t) => t.id), ['tenant-a']);
    assert.ok(!JSON.stringify(user).includes(readA), 'the key never goes to the browser');
    const page = (await (await visitor.get('/api/messages')).json()) as { messages: { environment: string }[] };
    assert.deepEqual(page.messages.map((m) => m.environment), ['test', 'prod']);
    const filtered = (await (await visitor.get('/api/messages?environment=prod')).json()) as { messages: unknown[] };
    assert.equal(filtered.messages.length, 1);
    const tenant = (await (await visitor.get('/api/tenants')).json()) as { tenantId: string };
    assert.equal(tenant.tenantId, 'tenant-a');

    for (const path of ['/api/messages?tenant=tenant-b', '/api/tenants?tenant=tenant-b', '/api/stats?tenant=tenant-b', '/api/stream?tenant=tenant-b', '/api/export?format=csv&tenant=tenant-b']) {
      assert.equal((await visitor.get(path)).status, 403, path);
    }
    const html = await (await visitor.get('/dashboard')).text();
    assert.doesNotMatch(html, /secret-b|tenant-b/);
  });

  test('an ingest-only key, a wrong key and another tenant on a one-tenant dashboard are refused', async () => {
    const visitor = new HttpSession(dashboard.url);
    assert.equal((await visitor.signInWithKey(ingestOnlyA)).headers.get('location'), '/?error=key');
    assert.equal((await visitor.signInWithKey('pulse_0123456789abcdef_wrong')).headers.get('location'), '/?error=key');
    const single = await start({ TENANT_NAME: 'tenant-b' });
    try {
      const other = new HttpSession(single.url);
      assert.equal((await other.signInWithKey(readA)).headers.get('location'), '/?error=tenant');
      assert.equal((await other.signInWithKey(readB)).headers.get('location'), '/dashboard');
      assert.deepEqual(await (await single.app.inject('/health')).json().tenant, 'tenant-b');
    } finally {
      await single.stop();
    }
  });

  test('logout needs the CSRF token and ends the session', async () => {
    const visitor = new HttpSession(dashboard.url);
    await visitor.signInWithKey(readA);
    const stolen = visitor.cookies.get('pulse_session')!;
    assert.equal((await visitor.postForm('/logout', {})).status, 403);
    assert.equal((await visitor.get('/api/user')).status, 200);
    const getLogout = await visitor.get('/logout');
    assert.equal(getLogout.status, 200, 'GET /logout asks instead of signing out');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await getLogout.text())![1]!;
    const response = await visitor.postForm('/logout', { _csrf: csrf });
    assert.equal(response.headers.get('location'), '/');
    const replay = new HttpSession(dashboard.url);
    replay.cookies.set('pulse_session', stolen);
    assert.equal((await replay.get('/api/user')).status, 401, 'the old cookie is dead');
  });

  test('a one-time sign-in link works once', async () => {
    const link = new URL(await dashboard.createSignInLink(readA));
    const first = new HttpSession(dashboard.url);
    assert.equal((await first.get(`${link.pathname}${link.search}`)).headers.get('location'), '/dashboard');
    assert.equal((await first.get('/api/user')).status, 200);
    const second = new HttpSession(dashboard.url);
    assert.equal((await second.get(`${link.pathname}${link.search}`)).headers.get('location'), '/?error=link');
    assert.equal((await second.get('/api/user')).status, 401);
  });

  test('the stream relay resumes after Last-Event-ID and delivers new messages', async () => {
    const visitor = new HttpSession(dashboard.url);
    await visitor.signInWithKey(readA);
    const page = (await (await visitor.get('/api/messages?limit=1')).json()) as { messages: { id: number }[] };
    const controller = new AbortController();
    const response = await fetch(`${dashboard.url}/api/stream`, {
      headers: { cookie: `pulse_session=${visitor.cookies.get('pulse_session')}`, 'last-event-id': String(page.messages[0]!.id - 1) },
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const posted = await postMessage(api, keyA, { datetime: '2026-01-31T12:02:00Z', environment: 'prod' });
    const deadline = Date.now() + 5000;
    while (!text.includes(`id: ${posted.id}\n`) && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    assert.match(text, new RegExp(`id: ${page.messages[0]!.id}\\n`), 'the replay starts right after Last-Event-ID');
    assert.match(text, new RegExp(`id: ${posted.id}\\n`));
  });

  test('stopping the server ends open streams instead of waiting for them', async () => {
    const replica = await start();
    const visitor = new HttpSession(replica.url);
    await visitor.signInWithKey(readA);
    const response = await fetch(`${replica.url}/api/stream`, { headers: { cookie: `pulse_session=${visitor.cookies.get('pulse_session')}` } });
    assert.equal(response.status, 200);
    const drained = response.text();
    const started = Date.now();
    await replica.stop();
    assert.ok(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`);
    assert.match(await drained, /retry: 2000/);
  });

  test('exports the current view as CSV (formula cells neutralised) and NDJSON', async () => {
    const visitor = new HttpSession(dashboard.url);
    await visitor.signInWithKey(readA);
    const csv = await visitor.get('/api/export?format=csv&environment=prod');
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="pulse-tenant-a-.*\.csv"/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines[0], 'id,message_id,datetime,environment,created_at,source,payload');
    assert.ok(lines.slice(1).every((line) => line.includes(',prod,')));
    assert.ok(lines.some((line) => line.includes(`,'=cmd|calc,`)), 'a formula-looking cell is prefixed');
    const ndjson = await (await visitor.get('/api/export?format=ndjson')).text();
    const rows = ndjson.trim().split('\n').map((line) => JSON.parse(line) as { environment: string });
    assert.ok(rows.length >= 3);
    assert.equal((await visitor.get('/api/export?format=xml')).status, 400);
  });

  test('assets carry hashed names and a year of caching', async () => {
    const html = await (await new HttpSession(dashboard.url).get('/')).text();
    const css = /href="(\/assets\/styles-[A-Z0-9]+\.css)"/.exec(html)?.[1];
    assert.ok(css);
    const response = await fetch(`${dashboard.url}${css}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.equal((await fetch(`${dashboard.url}${css}`, { headers: { 'if-none-match': response.headers.get('etag')! } })).status, 304);
    assert.equal((await fetch(`${dashboard.url}/assets/nope.js`)).status, 404);
  });

  test('sessions and sign-in links live in Redis, shared by two replicas', async () => {
    const shared = { REDIS_URL: 'redis://127.0.0.1:6379', SESSION_SECRET: 'a-shared-secret-of-at-least-32-characters' };
    const one = await start(shared);
    const two = await start(shared);
    try {
      const visitor = new HttpSession(one.url);
      await visitor.signInWithKey(readA);
      const onTwo = new HttpSession(two.url);
      onTwo.cookies.set('pulse_session', visitor.cookies.get('pulse_session')!);
      assert.equal((await onTwo.get('/api/user')).status, 200, 'replica two knows the session');
      const link = new URL(await one.createSignInLink(readB));
      const linked = new HttpSession(two.url);
      assert.equal((await linked.get(`${link.pathname}${link.search}`)).headers.get('location'), '/dashboard');
      assert.equal((await new HttpSession(one.url).get(`${link.pathname}${link.search}`)).headers.get('location'), '/?error=link');
    } finally {
      await one.stop();
      await two.stop();
    }
  });

  test('behind a TLS proxy the cookie is Secure; an unreachable API is reported, not fatal', async () => {
    const proxied = await start({ TRUST_PROXY: 'true' });
    const deadApi = await startConsumer({ config: loadConsumerConfig({ API_BASE_URL: 'http://127.0.0.1:9', CONSUMER_PORT: '0', CONSUMER_HOST: '127.0.0.1', LOG_LEVEL: 'silent' }) });
    try {
      const page = await fetch(`${proxied.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      const cookie = page.headers.getSetCookie().find((c) => c.startsWith('pulse_session='))!;
      const response = await fetch(`${proxied.url}/login/key`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'x-forwarded-proto': 'https', cookie: cookie.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, api_key: readA }).toString(),
      });
      assert.equal(response.headers.get('location'), '/dashboard');
      assert.match(response.headers.getSetCookie().find((c) => c.startsWith('pulse_session=')) ?? '', /; Secure/i);

      const visitor = new HttpSession(deadApi.url);
      assert.equal((await visitor.signInWithKey(readA)).headers.get('location'), '/?error=api');
      const link = await fetch(`${deadApi.url}/?error=api`);
      assert.match(await link.text(), /The API could not be reached/);
    } finally {
      await proxied.stop();
      await deadApi.stop();
    }
  });

  test('a revoked key ends the key sign-in with 401, not a redirect loop', async () => {
    const key = await readKey(api, 'tenant-a');
    const visitor = new HttpSession(dashboard.url);
    assert.equal((await visitor.signInWithKey(key)).headers.get('location'), '/dashboard');
    const keyId = /^pulse_([0-9a-f]{16})_/.exec(key)![1]!;
    const revoked = await fetch(`${api.url}/admin/tenants/tenant-a/keys/${keyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.ok(revoked.ok, `revoking: ${revoked.status}`);
    assert.equal((await visitor.get('/api/messages')).status, 401);
    assert.equal((await visitor.get('/api/user')).status, 401, 'the session is gone');
    assert.equal((await visitor.get('/dashboard')).headers.get('location'), '/');
  });

  test('configuration names every problem', () => {
    assert.throws(() => loadConsumerConfig({ CONSUMER_PORT: 'x', SESSION_SECRET: 'short' }), /CONSUMER_PORT="x" must be an integer[\s\S]*SESSION_SECRET must match/);
    assert.throws(() => loadConsumerConfig({ REDIS_URL: 'redis://x', OIDC_ISSUER: 'https://issuer.example' }), (error: Error) => {
      assert.match(error.message, /SESSION_SECRET is required with REDIS_URL/);
      assert.match(error.message, /OIDC_ISSUER and OIDC_CLIENT_ID go together/);
      return true;
    });
    assert.equal(loadConsumerConfig({}).API_BASE_URL, 'http://api-service:80');
    assert.equal(loadConsumerConfig({}).CONSUMER_PORT, 3000);
  });
});
