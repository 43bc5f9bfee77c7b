/**
 * Renders deploy/observability/dashboards/pulse.json from real data into
 * docs/images/observability-dashboard.png. Runs by hand (not in npm test):
 *
 *   node --import tsx scripts/render-observability-dashboard.ts
 *
 * It starts a real API (on a fresh PostgreSQL database), two interval
 * producers and the canary, lets Debian's Prometheus scrape them for
 * RENDER_MINUTES (default 3), with a load burst and some refused messages on
 * the way, then queries Prometheus for every panel's expressions and draws
 * them with uPlot in Chromium, laid out by the panels' gridPos.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { createTenant, createTestDatabase, PULSE_BIN, REPOSITORY_ROOT, startApiProcess } from '@pulse/test-support';
import { buildPage, type RenderedPanel } from './observability-dashboard-page.ts';

const MINUTES = Number(process.env.RENDER_MINUTES ?? '3');
const SCRAPE = '5s';
const RATE_INTERVAL = '30s';
const PROMETHEUS_PORT = 19090;
const OUTPUT = join(REPOSITORY_ROOT, 'docs/images/observability-dashboard.png');

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; legendFormat?: string }[];
  fieldConfig?: { defaults?: { unit?: string } };
}

const children: ChildProcess[] = [];
function run(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { cwd: REPOSITORY_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

const producer = (env: Record<string, string>): ChildProcess => run(process.execPath, [PULSE_BIN, 'producer'], { LOG_LEVEL: 'warn', ...env });

async function post(url: string, key: string, body: unknown): Promise<void> {
  await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.text());
}

function legend(format: string | undefined, labels: Record<string, string>): string {
  if (!format) return JSON.stringify(labels);
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '').trim();
}

async function queryPanels(panels: Panel[], start: number, end: number): Promise<RenderedPanel[]> {
  const rendered: RenderedPanel[] = [];
  for (const panel of panels) {
    const series: RenderedPanel['series'] = [];
    for (const target of panel.targets ?? []) {
      const query = new URLSearchParams({ query: target.expr.replaceAll('$__rate_interval', RATE_INTERVAL), start: String(start), end: String(end), step: '5' });
      const body = (await (await fetch(`http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query_range?${query}`)).json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
      if (body.status !== 'success') throw new Error(`${panel.title}: ${body.error}`);
      for (const result of body.data.result) series.push({ name: legend(target.legendFormat, result.metric), points: result.values.map(([t, v]) => [t, Number(v)]) });
    }
    rendered.push({ type: panel.type, title: panel.title, gridPos: panel.gridPos, unit: panel.fieldConfig?.defaults?.unit ?? 'short', series });
  }
  return rendered;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pulse-render-'));
  const db = await createTestDatabase('render');
  const api = await startApiProcess({ databaseUrl: db.url });
  try {
    const [acme, globex, canary] = [await createTenant(api, 'acme'), await createTenant(api, 'globex'), await createTenant(api, 'canary')];
    const ports = { acme: 19464, globex: 19465, canary: 19466 };
    producer({ MODE: 'interval', API_URL: api.url, API_KEY: acme, INTERVAL: '1s', ENVIRONMENT: 'prod,test', PAYLOAD: 'sensor', SOURCE: 'acme-sensors', SPOOL_DIR: join(work, 'acme'), METRICS_PORT: String(ports.acme) });
    producer({ MODE: 'interval', API_URL: api.url, API_KEY: globex, INTERVAL: '2s', SOURCE: 'globex-sensors', SPOOL_DIR: join(work, 'globex'), METRICS_PORT: String(ports.globex) });
    producer({ MODE: 'canary', API_URL: api.url, API_KEY: canary, CANARY_INTERVAL: '5s', CANARY_TIMEOUT: '30s', SOURCE: 'canary', METRICS_PORT: String(ports.canary) });
    const apiTarget = new URL(api.url).host;
    writeFileSync(join(work, 'prometheus.yml'), `global:\n  scrape_interval: ${SCRAPE}\n  evaluation_interval: ${SCRAPE}\nscrape_configs:\n  - job_name: pulse-api\n    static_configs: [{ targets: ['${apiTarget}'] }]\n  - job_name: pulse-producer-interval\n    static_configs: [{ targets: ['127.0.0.1:${ports.acme}', '127.0.0.1:${ports.globex}'] }]\n  - job_name: pulse-canary\n    static_configs: [{ targets: ['127.0.0.1:${ports.canary}'] }]\n`);
    run('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`]);
    const start = Math.floor(Date.now() / 1000);
    process.stdout.write(`scraping for ${MINUTES} min (Prometheus on http://127.0.0.1:${PROMETHEUS_PORT})\n`);
    await sleep((MINUTES * 60_000) / 3);
    // A burst through the batch endpoint, and some refusals and replays, so those panels have something to show.
    producer({ MODE: 'load', API_URL: api.url, API_KEY: globex, LOAD_COUNT: '3000', LOAD_CONCURRENCY: '4', LOAD_ENDPOINT: 'batch', LOAD_BATCH_SIZE: '100', LOAD_RATE: '100', SOURCE: 'globex-backfill' });
    for (let i = 0; i < 20; i += 1) {
      await post(`${api.url}/api/messages`, acme, { datetime: 'yesterday' });
      await post(`${api.url}/api/messages`, acme, { datetime: new Date(start * 1000).toISOString(), message_id: `replay-${i % 5}` });
      await sleep(1000);
    }
    await sleep((MINUTES * 60_000 * 2) / 3 - 20_000);
    const board = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'deploy/observability/dashboards/pulse.json'), 'utf8')) as { title: string; panels: Panel[] };
    const panels = await queryPanels(board.panels, start, Math.floor(Date.now() / 1000));
    const uplot = { js: readFileSync(join(REPOSITORY_ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js'), 'utf8'), css: readFileSync(join(REPOSITORY_ROOT, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8') };
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
      await page.setContent(buildPage(board.title, panels, uplot, `${MINUTES} min of a local API, two producers and the canary, scraped every ${SCRAPE} by Prometheus`));
      await page.waitForFunction(() => (window as unknown as { rendered?: boolean }).rendered === true);
      await page.screenshot({ path: OUTPUT, fullPage: true });
    } finally {
      await browser.close();
    }
    process.stdout.write(`wrote ${OUTPUT}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    await api.stop();
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
