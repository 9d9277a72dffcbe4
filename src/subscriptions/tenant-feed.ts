/**
 * A tenant's subscriptions in this process and the one poller they share. The feed exists
 * while the tenant has at least one subscription; its poller starts when the first
 * subscription joins the live feed and stops with the feed, so a tenant without
 * subscriptions costs no reads.
 */
import type { PollBackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';
import type { LogSubscription, SharedFeed } from './log-subscription.js';
import { type LogBatch, type ReadLog, TenantPoller } from './tenant-poller.js';

export interface TenantFeedOptions {
  tenant: string;
  /** The poller's read: the tenant's whole log (no filter), consistently. */
  read: ReadLog;
  clock: Clock;
  backoff: PollBackoffOptions;
  pageSize: number;
  /** The last subscription left; the feed has stopped its poller. */
  onEmpty(feed: TenantFeed): void;
  onPollError?(error: unknown): void;
}

export class TenantFeed implements SharedFeed {
  readonly tenant: string;
  readonly poller: TenantPoller;
  private readonly all = new Set<LogSubscription>();
  private readonly members = new Set<LogSubscription>();
  private readonly controller = new AbortController();
  /** History reads issued by this tenant's subscriptions. */
  catchUpReads = 0;

  constructor(private readonly options: TenantFeedOptions) {
    this.tenant = options.tenant;
    this.poller = new TenantPoller({
      read: options.read,
      clock: options.clock,
      backoff: options.backoff,
      pageSize: options.pageSize,
      signal: this.controller.signal,
      onBatch: (batch) => this.publish(batch),
      onError: (error) => options.onPollError?.(error),
    });
  }

  get position(): number | undefined {
    return this.poller.position;
  }

  get subscriptions(): ReadonlySet<LogSubscription> {
    return this.all;
  }

  /** Subscriptions fed by the poller. */
  get liveCount(): number {
    return this.members.size;
  }

  add(subscription: LogSubscription): void {
    this.all.add(subscription);
  }

  join(subscription: LogSubscription): void {
    this.members.add(subscription);
    this.poller.start(subscription.coveredPosition);
  }

  leave(subscription: LogSubscription): void {
    this.members.delete(subscription);
  }

  remove(subscription: LogSubscription): void {
    this.members.delete(subscription);
    if (!this.all.delete(subscription) || this.all.size > 0) return;
    this.stop();
    this.options.onEmpty(this);
  }

  /** Stops the poller (it ends after its current read, whose result it drops). */
  stop(): void {
    this.controller.abort();
  }

  async stopped(): Promise<void> {
    await this.poller.stopped();
  }

  private publish(batch: LogBatch): void {
    // A member may leave while receiving (its buffer overflowed): iterate over a copy.
    for (const member of [...this.members]) member.receive(batch);
  }
}
