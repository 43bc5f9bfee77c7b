import type { Logger } from '@pulse/logger';
import type { Database } from '../db/database.ts';
import { NEW_MESSAGE_CHANNEL } from './messages-repository.ts';

const GATHER_MS = 5;

/**
 * Tells every API replica which tenants have new messages, outside the
 * inserting transactions: PostgreSQL serialises the commits of transactions
 * that NOTIFY, so notifying inside them would cost throughput. Commits of the
 * next few milliseconds are gathered into one statement. A notification lost
 * to a crash between commit and notify is covered by the stream's safety poll.
 */
export class ChangeNotifier {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  changed(tenantId: string): void {
    this.pending.add(tenantId);
    this.timer ??= setTimeout(() => this.send(), GATHER_MS);
  }

  /** Sends what is pending (for shutdown). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.send();
    }
    await this.sending;
  }

  private send(): void {
    this.timer = undefined;
    const tenants = [...this.pending];
    this.pending.clear();
    this.sending = this.sending.then(async () => {
      try {
        await this.db.query('SELECT pg_notify($1, tenant) FROM unnest($2::text[]) AS tenant', [NEW_MESSAGE_CHANNEL, tenants]);
      } catch (error) {
        this.logger.warn({ err: error, tenants: tenants.length }, 'could not notify live streams; their safety poll will catch up');
      }
    });
  }
}
