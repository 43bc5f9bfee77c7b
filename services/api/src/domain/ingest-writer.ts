import { PulseError } from '@pulse/contract';
import { captureContext, spanSettingsForGroup, withSpan, type Context } from '@pulse/telemetry';
import { isDatabaseUnavailable } from '../db/database-errors.ts';
import type { TenantRef } from '../db/tenant-scope.ts';
import type { InsertOutcome, MessagesRepository, MessageToStore } from './messages-repository.ts';

interface Pending {
  tenant: TenantRef;
  message: MessageToStore;
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: unknown) => void;
  /** The request's trace, which the shared commit's span links to. */
  caller: Context | undefined;
}

const MAX_GROUP = 1000;
/** Commits in flight at once: one gathers while the other commits, without queueing on a busy pool. */
const MAX_COMMITTERS = 2;

/**
 * Group commit. Concurrent single-message requests, of one tenant or of many,
 * share one transaction and one COMMIT: while a commit is in flight, new
 * messages wait and go together in the next one, each tenant's under its own
 * role. Nobody waits for a timer, and every caller is answered only after the
 * commit that holds its message.
 */
export class IngestWriter {
  private pending: Pending[] = [];
  private committers = 0;
  private readonly inFlight = new Set<string>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly repository: MessagesRepository,
    private readonly onCommit: (size: number) => void = () => undefined,
    /** Beyond this many waiting messages, new ones are refused: a bounded wait beats an unbounded queue that times out. */
    private readonly maxPending = 2000,
  ) {}

  submit(tenant: TenantRef, message: MessageToStore): Promise<InsertOutcome> {
    if (this.pending.length >= this.maxPending) {
      return Promise.reject(new PulseError('OVERLOADED', 'the API is at capacity; retry shortly', { retryAfter: 1 }));
    }
    const key = `${tenant.id}\u0000${message.messageId}`;
    if (this.inFlight.has(key)) {
      return Promise.reject(
        new PulseError('IDEMPOTENCY_IN_FLIGHT', `a request with message_id ${message.messageId} is still being stored; retry shortly`, { retryAfter: 1 }),
      );
    }
    this.inFlight.add(key);
    return new Promise<InsertOutcome>((resolve, reject) => {
      this.pending.push({ tenant, message, resolve, reject, caller: captureContext() });
      if (this.committers < MAX_COMMITTERS) void this.commitLoop();
    }).finally(() => this.inFlight.delete(key));
  }

  /** Resolves once every submitted message has been answered (for shutdown). */
  whenIdle(): Promise<void> {
    if (this.committers === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async commitLoop(): Promise<void> {
    this.committers += 1;
    while (this.pending.length > 0) {
      const group = this.pending.splice(0, MAX_GROUP);
      await withSpan('group commit', { 'pulse.group.size': group.length }, () => this.commit(group), spanSettingsForGroup(group.map((p) => p.caller)));
    }
    this.committers -= 1;
    if (this.committers === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Commits a group; never throws: each caller gets its outcome or its error. */
  private async commit(group: Pending[]): Promise<void> {
    const byTenant = new Map<string, Pending[]>();
    for (const p of group) {
      const list = byTenant.get(p.tenant.id);
      if (list) list.push(p);
      else byTenant.set(p.tenant.id, [p]);
    }
    const parts = [...byTenant.values()];
    try {
      const outcomes = await this.repository.insertForTenants(parts.map((part) => ({ tenant: part[0]!.tenant, messages: part.map((p) => p.message) })));
      this.onCommit(group.length);
      parts.forEach((part, i) => part.forEach((p, j) => p.resolve(outcomes[i]![j]!)));
    } catch (error) {
      // A shared commit must not let one tenant's failure fail the others: retry each alone,
      // unless the database itself is unavailable, which would fail them all the same.
      if (parts.length === 1 || isDatabaseUnavailable(error)) {
        for (const p of group) p.reject(error);
        return;
      }
      await Promise.all(parts.map((part) => this.commit(part)));
    }
  }
}
