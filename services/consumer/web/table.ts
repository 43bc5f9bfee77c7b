import type { Message } from './api.ts';
import { el, formatTime } from './dom.ts';

const PREVIEW_CHARS = 120;

function preview(payload: Message['payload']): { text: string; full: string } {
  if (payload === null) return { text: '', full: '' };
  const full = JSON.stringify(payload);
  return { text: full.length > PREVIEW_CHARS ? `${full.slice(0, PREVIEW_CHARS)}…` : full, full };
}

function row(message: Message): HTMLTableRowElement {
  const payload = preview(message.payload);
  const tr = el(
    'tr',
    {},
    el('td', { className: 'num' }, message.id),
    el('td', {}, formatTime(message.datetime)),
    el('td', {}, el('span', { className: 'env' }, message.environment)),
    el('td', {}, formatTime(message.created_at)),
    el('td', {}, message.source ?? ''),
    el('td', { className: 'payload', title: payload.full }, payload.text),
  );
  tr.dataset.id = String(message.id);
  return tr;
}

/** The message table, newest first; ids already shown are skipped, so a replayed event never doubles a row. */
export class MessageTable {
  private readonly shown = new Set<number>();
  newestId = 0;

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly empty: HTMLElement,
  ) {}

  clear(): void {
    this.body.replaceChildren();
    this.shown.clear();
    this.newestId = 0;
    this.empty.hidden = false;
  }

  append(messages: readonly Message[]): void {
    for (const message of messages) {
      if (this.shown.has(message.id)) continue;
      this.shown.add(message.id);
      this.newestId = Math.max(this.newestId, message.id);
      this.body.append(row(message));
    }
    this.empty.hidden = this.shown.size > 0;
  }

  /** A live message goes above every older one, wherever it sits in the order of arrival. */
  insert(message: Message): boolean {
    if (this.shown.has(message.id)) return false;
    this.shown.add(message.id);
    this.newestId = Math.max(this.newestId, message.id);
    const next = Array.from(this.body.rows).find((r) => Number(r.dataset.id) < message.id);
    this.body.insertBefore(row(message), next ?? null);
    this.empty.hidden = true;
    return true;
  }
}
