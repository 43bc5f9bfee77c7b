import type { StoredMessage } from '@pulse/contract';
import type { Logger } from '@pulse/logger';
import type { Database } from '../db/database.ts';
import type { TenantRef } from '../db/tenant-scope.ts';
import { NEW_MESSAGE_CHANNEL, type MessagesRepository } from './messages-repository.ts';

export interface StreamOptions {
  /** Resume after this message id (Last-Event-ID); undefined starts from now. */
  afterId?: number | undefined;
  environment?: string | undefined;
  send: (message: StoredMessage) => void;
}

interface Subscriber {
  environment: string | undefined;
  send: (message: StoredMessage) => void;
  lastId: number;
  /** Holds live messages while the subscriber catches up from its resume point. */
  buffer: StoredMessage[] | undefined;
}

interface TenantFeed {
  tenant: TenantRef;
  ready: Promise<void>;
  cursor: number;
  subscribers: Set<Subscriber>;
  fetching: boolean;
  again: boolean;
}

const PAGE = 500;
const SAFETY_POLL_MS = 5000;

/**
 * Fans new messages out to live-stream subscribers. One LISTEN connection per
 * API process hears that a tenant has new commits (from any replica); one query
 * per tenant then fetches them for all its subscribers. Ids are visible in
 * commit order, so "everything after id N" is gap-free.
 */
export class StreamHub {
  private readonly feeds = new Map<string, TenantFeed>();
  private unlisten: (() => Promise<void>) | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly repository: MessagesRepository,
    private readonly logger: Logger,
    private readonly onDeliver: (message: StoredMessage) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(
      NEW_MESSAGE_CHANNEL,
      (tenantId) => this.poke(tenantId),
      () => this.pokeAll(),
    );
    // Notifications can be lost with a connection; a slow poll of watched tenants closes that gap.
    this.poller = setInterval(() => this.pokeAll(), SAFETY_POLL_MS);
    this.poller.unref();
  }

  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.unlisten?.();
    this.feeds.clear();
  }

  subscriberCount(): number {
    let count = 0;
    for (const feed of this.feeds.values()) count += feed.subscribers.size;
    return count;
  }

  /** Starts delivering; resolves once caught up. The returned function unsubscribes. */
  async subscribe(tenant: TenantRef, options: StreamOptions): Promise<() => void> {
    const feed = this.feedFor(tenant);
    await feed.ready;
    const resuming = options.afterId !== undefined;
    const subscriber: Subscriber = {
      environment: options.environment,
      send: options.send,
      lastId: options.afterId ?? feed.cursor,
      buffer: resuming ? [] : undefined,
    };
    feed.subscribers.add(subscriber);
    const unsubscribe = (): void => {
      feed.subscribers.delete(subscriber);
      if (feed.subscribers.size === 0 && this.feeds.get(tenant.id) === feed) this.feeds.delete(tenant.id);
    };
    if (resuming) {
      try {
        for (;;) {
          const page = await this.repository.after(tenant, subscriber.lastId, PAGE);
          for (const message of page) deliver(subscriber, message, this.onDeliver);
          if (page.length < PAGE) break;
        }
        const buffered = subscriber.buffer ?? [];
        subscriber.buffer = undefined;
        for (const message of buffered) deliver(subscriber, message, this.onDeliver);
      } catch (error) {
        unsubscribe();
        throw error;
      }
    }
    return unsubscribe;
  }

  private feedFor(tenant: TenantRef): TenantFeed {
    const existing = this.feeds.get(tenant.id);
    if (existing) return existing;
    const feed: TenantFeed = { tenant, ready: Promise.resolve(), cursor: 0, subscribers: new Set(), fetching: false, again: false };
    feed.ready = this.repository.latestId(tenant).then((id) => {
      feed.cursor = id;
    });
    feed.ready.catch(() => {
      if (this.feeds.get(tenant.id) === feed) this.feeds.delete(tenant.id);
    });
    this.feeds.set(tenant.id, feed);
    return feed;
  }

  private pokeAll(): void {
    for (const id of this.feeds.keys()) this.poke(id);
  }

  private poke(tenantId: string): void {
    const feed = this.feeds.get(tenantId);
    if (!feed) return;
    if (feed.fetching) {
      feed.again = true;
      return;
    }
    void this.fetch(feed);
  }

  private async fetch(feed: TenantFeed): Promise<void> {
    feed.fetching = true;
    try {
      await feed.ready;
      do {
        feed.again = false;
        const page = await this.repository.after(feed.tenant, feed.cursor, PAGE);
        for (const message of page) {
          feed.cursor = message.id;
          for (const subscriber of feed.subscribers) {
            if (subscriber.buffer) subscriber.buffer.push(message);
            else deliver(subscriber, message, this.onDeliver);
          }
        }
        if (page.length === PAGE) feed.again = true;
      } while (feed.again && feed.subscribers.size > 0);
    } catch (error) {
      this.logger.warn({ err: error, tenant: feed.tenant.id }, 'live stream fetch failed; will retry on the next poll');
    } finally {
      feed.fetching = false;
    }
  }
}

function deliver(subscriber: Subscriber, message: StoredMessage, onDeliver: (message: StoredMessage) => void): void {
  if (message.id <= subscriber.lastId) return;
  subscriber.lastId = message.id;
  if (subscriber.environment === undefined || subscriber.environment === message.environment) {
    subscriber.send(message);
    onDeliver(message);
  }
}
