import { PulseError } from '@pulse/contract';
import { captureContext, spanSettingsForGroup, withSpan, type Context } from '@pulse/telemetry';
import type { TenantRef } from '../db/tenant-scope.ts';
import type { InsertOutcome, MessagesRepository, MessageToStore } from './messages-repository.ts';

interface Pending {
  message: MessageToStore;
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: unknown) => void;
  /** The request's trace, which the shared commit's span links to. */
  caller: Context | undefined;
}

interface TenantQueue {
  tenant: TenantRef;
  pending: Pending[];
  flushing: boolean;
}

const MAX_GROUP = 1000;

/**
 * Group commit. Concurrent single-message requests of one tenant share one
 * INSERT and one COMMIT: while a tenant's transaction is in flight, new
 * messages wait and go together in the next one. Nobody waits for a timer, and
 * every caller is answered only after the commit that holds its message.
 */
export class IngestWriter {
  private readonly queues = new Map<string, TenantQueue>();
  private readonly inFlight = new Set<string>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly repository: MessagesRepository,
    private readonly onCommit: (size: number) => void = () => undefined,
  ) {}

  submit(tenant: TenantRef, message: MessageToStore): Promise<InsertOutcome> {
    const key = `${tenant.id}\u0000${message.messageId}`;
    if (this.inFlight.has(key)) {
      return Promise.reject(
        new PulseError('IDEMPOTENCY_IN_FLIGHT', `a request with message_id ${message.messageId} is still being stored; retry shortly`, { retryAfter: 1 }),
      );
    }
    this.inFlight.add(key);
    return new Promise<InsertOutcome>((resolve, reject) => {
      let queue = this.queues.get(tenant.id);
      if (!queue) {
        queue = { tenant, pending: [], flushing: false };
        this.queues.set(tenant.id, queue);
      }
      queue.pending.push({ message, resolve, reject, caller: captureContext() });
      if (!queue.flushing) void this.flush(queue);
    }).finally(() => this.inFlight.delete(key));
  }

  /** Resolves once every submitted message has been answered (for shutdown). */
  whenIdle(): Promise<void> {
    if (this.queues.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async flush(queue: TenantQueue): Promise<void> {
    queue.flushing = true;
    while (queue.pending.length > 0) {
      const group = queue.pending.splice(0, MAX_GROUP);
      try {
        const outcomes = await withSpan('group commit', { 'pulse.group.size': group.length }, () => this.repository.insertMany(queue.tenant, group.map((p) => p.message)), spanSettingsForGroup(group.map((p) => p.caller)));
        this.onCommit(group.length);
        group.forEach((p, i) => p.resolve(outcomes[i]!));
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    queue.flushing = false;
    this.queues.delete(queue.tenant.id);
    if (this.queues.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
