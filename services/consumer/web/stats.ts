import type { Stats, TenantInfo } from './api.ts';
import { byId, el, formatAge, formatTime } from './dom.ts';

/** After these silences the last-message age turns amber, then red: producers send at least once a minute. */
export const AMBER_AFTER_MS = 2 * 60_000;
export const RED_AFTER_MS = 5 * 60_000;

export function renderTenantStats(info: TenantInfo): void {
  byId('stat-total').textContent = info.statistics.total_messages.toLocaleString('en');
  const list = byId<HTMLUListElement>('stat-envs');
  const entries = Object.entries(info.statistics.environments).sort(([a], [b]) => a.localeCompare(b));
  list.replaceChildren(...(entries.length === 0 ? [el('li', {}, 'none yet')] : entries.map(([name, n]) => el('li', {}, el('span', { className: 'env' }, name), ` ${n.toLocaleString('en')}`))));
  byId('stat-last').textContent = formatTime(info.statistics.last_message);
}

/** Messages in the last minute, all environments together: the 10-second buckets that start within it (never more than the truth). */
export function lastMinuteRate(stats: Stats, now = Date.now()): number {
  return stats.buckets.filter((b) => Date.parse(b.start) >= now - 60_000).reduce((sum, b) => sum + b.count, 0);
}

export function renderRate(stats: Stats): void {
  byId('stat-rate').textContent = String(lastMinuteRate(stats));
}

export function renderApiHealth(up: boolean): void {
  const pill = byId('health-api');
  pill.textContent = up ? 'API: answering' : 'API: not answering';
  pill.dataset.level = up ? 'ok' : 'bad';
}

export function renderAge(lastMessage: string | null): void {
  const pill = byId('health-age');
  if (lastMessage === null) {
    pill.textContent = 'Last message: none yet';
    pill.dataset.level = 'none';
    return;
  }
  const age = Date.now() - Date.parse(lastMessage);
  pill.textContent = `Last message: ${formatAge(age)}`;
  pill.dataset.level = age >= RED_AFTER_MS ? 'bad' : age >= AMBER_AFTER_MS ? 'warn' : 'ok';
}
