/// <reference lib="dom" />
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPOSITORY_ROOT } from '@pulse/test-support';
import type { ConsumerServer } from '../src/index.ts';
import { startE2eWorld, XSS_SOURCE, type E2eWorld } from './e2e-fixture.ts';
import { postMessage } from './http-session.ts';

const SCREENSHOTS = join(REPOSITORY_ROOT, 'services/consumer/test/screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
describe('dashboard in a browser', () => {
  let world: E2eWorld;
  let api: E2eWorld['api'];
  let issuer: E2eWorld['issuer'];
  let dashboard: ConsumerServer;
  let browser: Browser;
  let keyA: string;
  const cspViolations: string[] = [];
  const dialogs: string[] = [];

  async function newPage(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    return { context, page };
  }

  async function signInWithKey(page: Page, key: string): Promise<void> {
    await page.goto(`${dashboard.url}/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${dashboard.url}/dashboard`);
    await page.locator('#live[data-level="ok"]').waitFor({ timeout: 5000 });
  }

  async function signInWithOidc(page: Page, login: string): Promise<void> {
    await page.goto(`${dashboard.url}/`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]', { hasText: /continue/i }).click();
  }

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    world = await startE2eWorld();
    ({ api, issuer, dashboard, keyA } = world);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await world?.stop();
  });

  test('key sign-in shows the live table, stat cards, chart and health', async () => {
    const { context, page } = await newPage();
    try {
      await signInWithKey(page, keyA);
      await page.locator('#messages tbody tr').nth(99).waitFor();
      assert.equal(await page.locator('#messages tbody tr').count(), 100);
      assert.equal(await page.locator('#stat-total').textContent(), '137');
      assert.match((await page.locator('#stat-envs').textContent()) ?? '', /prod.*staging.*test/s);
      assert.match((await page.locator('#health-api').textContent()) ?? '', /answering/);
      assert.equal(await page.locator('#health-age').getAttribute('data-level'), 'ok');
      await page.locator('#chart canvas').waitFor();
      assert.match((await page.locator('#chart .u-legend').textContent()) ?? '', /prod.*staging/s);
      const ids = await page.locator('#messages tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.id)));
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png') });
    } finally {
      await context.close();
    }
  });

  test('a posted message appears within 2 s without a reload, and none is lost across reconnects', async () => {
    const { context, page } = await newPage();
    try {
      await signInWithKey(page, keyA);
      let reloaded = false;
      page.on('framenavigated', () => (reloaded = true));
      const posted = await postMessage(api, keyA, { datetime: new Date().toISOString(), environment: 'prod', source: 'live-check' });
      await page.locator(`#messages tbody tr[data-id="${posted.id}"]`).waitFor({ timeout: 2000 });
      // The relay ends each stream after 1.5 s here, so these 12 messages straddle several reconnects.
      const ids: number[] = [];
      for (let i = 0; i < 12; i++) {
        ids.push((await postMessage(api, keyA, { datetime: new Date().toISOString(), environment: 'test', source: `burst-${i}` })).id);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      for (const id of ids) await page.locator(`#messages tbody tr[data-id="${id}"]`).waitFor({ timeout: 4000 });
      assert.equal(reloaded, false);
    } finally {
      await context.close();
    }
  });

  test('an XSS payload shows as text and runs nothing', async () => {
    const { context, page } = await newPage();
    try {
      await signInWithKey(page, keyA);
      await page.getByText(XSS_SOURCE, { exact: true }).waitFor();
      assert.match((await page.locator('td.payload', { hasText: '<script>' }).first().textContent()) ?? '', /<script>window.__xss=2/);
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
      assert.equal(await page.locator('#messages img, #messages script').count(), 0);
      assert.deepEqual(dialogs, []);
    } finally {
      await context.close();
    }
  });

  test('environment filter, time range and load older go through the API', async () => {
    const { context, page } = await newPage();
    try {
      await signInWithKey(page, keyA);
      const filtered = page.waitForRequest((r) => r.url().includes('/api/messages?') && r.url().includes('environment=staging'));
      await page.getByLabel('Environment', { exact: true }).selectOption('staging');
      await filtered;
      await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 3);
      assert.deepEqual([...new Set(await page.locator('#messages tbody td .env').allTextContents())], ['staging']);

      await page.getByLabel('Environment', { exact: true }).selectOption('');
      const ranged = page.waitForRequest((r) => r.url().includes('/api/messages?') && r.url().includes('since='));
      await page.getByLabel('Time range').selectOption('15m');
      await ranged;
      await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length < 40);
      assert.equal(await page.getByText('seed', { exact: true }).count(), 0, 'the three-hour-old seed is outside the range');

      await page.getByLabel('Time range').selectOption('custom');
      const from = new Date(Date.now() - 3 * 3_600_000 - 60_000);
      const local = (d: Date): string => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      await page.getByLabel('From').fill(local(from));
      await page.getByLabel('Until').fill(local(new Date(from.getTime() + 30 * 60_000)));
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator('#live', { hasText: 'Not live' }).waitFor();
      await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 100);
      assert.deepEqual([...new Set(await page.locator('#messages tbody td:nth-child(5)').allTextContents())], ['seed']);

      await page.getByLabel('Time range').selectOption('all');
      await page.locator('#messages tbody tr').nth(99).waitFor();
      const before = await page.locator('#messages tbody tr').count();
      await page.getByRole('button', { name: 'Load older' }).click();
      await page.waitForFunction((n) => document.querySelectorAll('#messages tbody tr').length > n, before);
      assert.ok((await page.locator('#messages tbody tr').count()) > 100);
    } finally {
      await context.close();
    }
  });

  test('the age of the last message turns amber, then red, when producers stop', async () => {
    const { context, page } = await newPage();
    try {
      await page.clock.install();
      await signInWithKey(page, keyA);
      await page.locator('#health-age[data-level="ok"]').waitFor();
      await page.clock.fastForward('03:00');
      await page.locator('#health-age[data-level="warn"]').waitFor();
      await page.clock.fastForward('03:00');
      await page.locator('#health-age[data-level="bad"]').waitFor();
      assert.match((await page.locator('#health-age').textContent()) ?? '', /min ago/);
    } finally {
      await context.close();
    }
  });

  test('exports the current view as CSV and NDJSON', async () => {
    const { context, page } = await newPage();
    try {
      await signInWithKey(page, keyA);
      await page.getByLabel('Environment', { exact: true }).selectOption('staging');
      await page.waitForFunction(() => (document.getElementById('export-csv') as HTMLAnchorElement).href.includes('environment=staging'));
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
      const text = await readFile((await csv.path())!, 'utf8');
      const lines = text.trim().split('\r\n');
      assert.equal(lines[0], 'id,message_id,datetime,environment,created_at,source,payload');
      assert.equal(lines.length, 4);
      const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export NDJSON' }).click()]);
      const rows = (await readFile((await ndjson.path())!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { environment: string });
      assert.deepEqual([...new Set(rows.map((r) => r.environment))], ['staging']);
    } finally {
      await context.close();
    }
  });

  test('OIDC sign-in with state and PKCE; the allow-list decides the tenant', async () => {
    const { context, page } = await newPage();
    try {
      const authorize = page.waitForRequest((r) => r.url().startsWith(`${issuer.url}/auth?`));
      await signInWithOidc(page, 'alice');
      const query = new URL((await authorize).url()).searchParams;
      assert.ok(query.get('state'));
      assert.equal(query.get('code_challenge_method'), 'S256');
      assert.ok(query.get('code_challenge'));
      await page.waitForURL(/\/dashboard|\/\?error/);
      assert.equal(new URL(page.url()).pathname, '/dashboard', await page.locator('body').innerText());
      await page.locator('#user', { hasText: 'Alice Tester' }).waitFor();
      await page.locator('#messages tbody tr').first().waitFor();
      assert.equal((await page.request.get(`${dashboard.url}/api/tenants`).then((r) => r.json()) as { tenantId: string }).tenantId, 'tenant-a');
      assert.equal((await page.request.get(`${dashboard.url}/api/messages?tenant=tenant-b`)).status(), 403);
    } finally {
      await context.close();
    }
    const bob = await newPage();
    try {
      await signInWithOidc(bob.page, 'bob');
      await bob.page.waitForURL(`${dashboard.url}/dashboard`);
      await bob.page.getByText('tenant-b-secret').waitFor();
      assert.equal(await bob.page.getByText('sensor-1').count(), 0);
    } finally {
      await bob.context.close();
    }
    const dave = await newPage();
    try {
      await signInWithOidc(dave.page, 'dave');
      await dave.page.waitForURL(`${dashboard.url}/dashboard`);
      await dave.page.getByText('sensor-1').first().waitFor();
      await dave.page.getByLabel('Tenant').selectOption('tenant-b');
      await dave.page.getByText('tenant-b-secret').waitFor();
      assert.equal(await dave.page.getByText('sensor-1').count(), 0, 'switching tenants replaces the view');
    } finally {
      await dave.context.close();
    }
    const carol = await newPage();
    try {
      await signInWithOidc(carol.page, 'carol');
      await carol.page.getByRole('alert').filter({ hasText: 'no tenant is assigned to you' }).waitFor();
      assert.equal((await carol.page.request.get(`${dashboard.url}/api/user`)).status(), 401);
    } finally {
      await carol.context.close();
    }
  });

  test('a tenant A user cannot reach tenant B through the page or the JSON routes', async () => {
    const { context, page } = await newPage();
    try {
      await signInWithKey(page, keyA);
      for (const path of ['/api/messages?tenant=tenant-b', '/api/tenants?tenant=tenant-b', '/api/stats?tenant=tenant-b', '/api/export?format=ndjson&tenant=tenant-b']) {
        assert.equal((await page.request.get(`${dashboard.url}${path}`)).status(), 403, path);
      }
      assert.equal(await page.getByText('tenant-b-secret').count(), 0);
      assert.equal(await page.locator('#tenant option').count(), 1);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${dashboard.url}/`);
      assert.equal((await page.request.get(`${dashboard.url}/api/messages`)).status(), 401);
    } finally {
      await context.close();
    }
  });

  test('usable at phone width and by keyboard, with no CSP violation anywhere', async () => {
    const { context, page } = await newPage({ width: 390, height: 844 });
    try {
      await page.goto(`${dashboard.url}/`);
      await page.screenshot({ path: join(SCREENSHOTS, 'sign-in.png') });
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.type(keyA);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${dashboard.url}/dashboard`);
      await page.locator('#messages tbody tr').first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-phone.png'), fullPage: true });
      assert.deepEqual(cspViolations, []);
    } finally {
      await context.close();
    }
  });
});
