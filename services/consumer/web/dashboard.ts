import { getJson, query, SignedOut, type Message, type MessagePage, type Stats, type TenantInfo, type UserInfo } from './api.ts';
import { RateChart, toChartData } from './chart.ts';
import { byId, el } from './dom.ts';
import { renderAge, renderApiHealth, renderRate, renderTenantStats } from './stats.ts';
import { MessageTable } from './table.ts';

const PAGE_SIZE = '100';
const RANGES: Record<string, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };

const tenantSelect = byId<HTMLSelectElement>('tenant');
const environmentSelect = byId<HTMLSelectElement>('environment');
const rangeSelect = byId<HTMLSelectElement>('range');
const sinceInput = byId<HTMLInputElement>('since');
const untilInput = byId<HTMLInputElement>('until');
const olderButton = byId<HTMLButtonElement>('older');
const live = byId('live');
const table = new MessageTable(byId<HTMLTableElement>('messages').tBodies[0]!, byId('empty'));
const chart = new RateChart(byId('chart'));

let tenant = '';
let nextCursor: string | null = null;
let lastMessage: string | null = null;
let stream: EventSource | undefined;
let generation = 0;

interface View {
  tenant: string;
  environment: string | undefined;
  since: string | undefined;
  until: string | undefined;
}

function localToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The filters as the API takes them; a preset range is measured from the moment the view is loaded. */
function currentView(): View {
  const range = rangeSelect.value;
  const custom = range === 'custom';
  const span = RANGES[range];
  return {
    tenant,
    environment: environmentSelect.value || undefined,
    since: custom ? localToIso(sinceInput.value) : span === undefined ? undefined : new Date(Date.now() - span).toISOString(),
    until: custom ? localToIso(untilInput.value) : undefined,
  };
}

function setLive(text: string, level: string): void {
  live.textContent = text;
  live.dataset.level = level;
}

function noteMessage(createdAt: string): void {
  if (lastMessage === null || createdAt > lastMessage) lastMessage = createdAt;
  renderAge(lastMessage);
}

function updateExports(view: View): void {
  const params = { tenant: view.tenant, environment: view.environment, since: view.since, until: view.until };
  byId<HTMLAnchorElement>('export-csv').href = `/api/export${query({ format: 'csv', ...params })}`;
  byId<HTMLAnchorElement>('export-ndjson').href = `/api/export${query({ format: 'ndjson', ...params })}`;
}

let statsTimer: number | undefined;
function refreshStatsSoon(): void {
  if (statsTimer !== undefined) return;
  statsTimer = window.setTimeout(() => {
    statsTimer = undefined;
    void refreshStats();
  }, 1500);
}

/** Live messages through the dashboard's relay; it resumes after the newest id already known, so nothing falls between the page and the stream. */
function openStream(view: View, resumeAfter: number, gen: number): void {
  stream?.close();
  let lastEventId = resumeAfter;
  const source = new EventSource(`/api/stream${query({ tenant: view.tenant, environment: view.environment, last_event_id: lastEventId > 0 ? String(lastEventId) : undefined })}`);
  stream = source;
  source.onopen = () => setLive('Live', 'ok');
  source.addEventListener('message', (event: MessageEvent<string>) => {
    if (gen !== generation) return;
    const message = JSON.parse(event.data) as Message;
    lastEventId = Math.max(lastEventId, message.id);
    noteMessage(message.created_at);
    if (view.since !== undefined && message.datetime < view.since) return;
    if (table.insert(message)) refreshStatsSoon();
  });
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) {
      setLive('Reconnecting…', 'warn');
      return;
    }
    setLive('Disconnected; retrying', 'bad');
    window.setTimeout(() => {
      if (gen !== generation) return;
      getJson<UserInfo>('/api/user').then(
        () => openStream(view, lastEventId, gen),
        () => undefined,
      );
    }, 3000);
  };
}

async function loadView(): Promise<void> {
  const gen = ++generation;
  stream?.close();
  const view = currentView();
  updateExports(view);
  setLive('Loading…', 'none');
  // The tenant's newest id is read before the page, so the stream replays anything committed in between.
  const newest = await getJson<MessagePage>('/api/messages', { tenant: view.tenant, limit: '1' });
  const page = await getJson<MessagePage>('/api/messages', { tenant: view.tenant, environment: view.environment, since: view.since, until: view.until, limit: PAGE_SIZE });
  if (gen !== generation) return;
  table.clear();
  table.append(page.messages);
  nextCursor = page.next_cursor;
  olderButton.hidden = nextCursor === null;
  if (view.until !== undefined) {
    setLive('Not live: this range has an end', 'none');
    return;
  }
  openStream(view, Math.max(newest.messages[0]?.id ?? 0, table.newestId), gen);
}

async function loadOlder(): Promise<void> {
  if (nextCursor === null) return;
  const view = currentView();
  olderButton.disabled = true;
  try {
    const page = await getJson<MessagePage>('/api/messages', { tenant: view.tenant, environment: view.environment, until: view.until, since: view.since, cursor: nextCursor, limit: PAGE_SIZE });
    table.append(page.messages);
    nextCursor = page.next_cursor;
    olderButton.hidden = nextCursor === null;
  } finally {
    olderButton.disabled = false;
  }
}

function fillEnvironments(environments: string[]): void {
  const selected = environmentSelect.value;
  const names = [...new Set([...environments, ...(selected === '' ? [] : [selected])])].sort();
  environmentSelect.replaceChildren(el('option', {}, 'All'), ...names.map((name) => el('option', {}, name)));
  environmentSelect.options[0]!.value = '';
  environmentSelect.value = selected;
}

async function refreshStats(): Promise<void> {
  const [info, stats, recent] = await Promise.all([
    getJson<TenantInfo>('/api/tenants', { tenant }),
    getJson<Stats>('/api/stats', { tenant, window: '1h', bucket: '1m' }),
    getJson<Stats>('/api/stats', { tenant, window: '2m', bucket: '10s' }),
  ]);
  renderTenantStats(info);
  fillEnvironments(Object.keys(info.statistics.environments));
  if (info.statistics.last_message !== null) noteMessage(info.statistics.last_message);
  else renderAge(lastMessage);
  renderRate(recent);
  chart.update(toChartData(stats));
}

async function refreshHealth(): Promise<void> {
  const health = await getJson<{ api: string }>('/api/health').catch((error: unknown) => {
    if (error instanceof SignedOut) throw error;
    return { api: 'down' };
  });
  renderApiHealth(health.api === 'up');
}

function quietly(task: () => Promise<void>): () => void {
  return () => {
    task().catch((error: unknown) => {
      if (!(error instanceof SignedOut)) setLive(`Error: ${error instanceof Error ? error.message : String(error)}`, 'bad');
    });
  };
}

function showCustom(): void {
  const custom = rangeSelect.value === 'custom';
  for (const element of document.querySelectorAll<HTMLElement>('.custom')) element.hidden = !custom;
}

async function start(): Promise<void> {
  const me = await getJson<UserInfo>('/api/user');
  byId('user').textContent = me.user.name;
  tenantSelect.replaceChildren(...me.tenants.map((t) => Object.assign(el('option', {}, t.name === t.id ? t.id : `${t.name} (${t.id})`), { value: t.id })));
  tenant = me.tenants[0]?.id ?? '';
  (tenantSelect.closest('.field') as HTMLElement).hidden = me.tenants.length < 2;

  tenantSelect.addEventListener('change', () => {
    tenant = tenantSelect.value;
    environmentSelect.value = '';
    lastMessage = null;
    quietly(loadView)();
    quietly(refreshStats)();
  });
  environmentSelect.addEventListener('change', quietly(loadView));
  rangeSelect.addEventListener('change', () => {
    showCustom();
    if (rangeSelect.value !== 'custom') quietly(loadView)();
  });
  byId<HTMLFormElement>('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    quietly(loadView)();
  });
  olderButton.addEventListener('click', quietly(loadOlder));

  await Promise.all([loadView(), refreshStats(), refreshHealth()]);
  window.setInterval(quietly(refreshStats), 15_000);
  window.setInterval(quietly(refreshHealth), 10_000);
  window.setInterval(() => renderAge(lastMessage), 1000);
}

quietly(start)();
