/**
 * The subscription hub: the one object the API layer talks to for live subscriptions.
 * It knows no transport (no GraphQL, no WebSocket). Each subscribing method is named after what
 * it delivers (`events`, `eventBatches`, `streamEvents`, as the GraphQL fields) and resolves to
 * an async iterator of them, ended by the iterator's `return()` (client gone) or by
 * `close()` (shutdown).
 *
 * Per tenant and process it keeps one {@link TenantFeed} with one poller, fed by
 * `notify` (wire it to the store's `StoreObserver.onCommitted`, e.g. through `hub.observer`)
 * and otherwise polling at the backoff interval. See `log-subscription.ts` for how a
 * subscription catches up, joins the live feed, and falls back under backpressure.
 */
import { InvalidInputError } from '../store/errors.js';
import { compileEventFilter } from '../store/filter.js';
import { defaultLimits } from '../store/limits.js';
import type { RecordedEvent, StoreObserver } from '../store/types.js';
import { type PollBackoffOptions, resolvePollBackoff } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import {
  type HubCounts,
  newHubCounts,
  type SubscriptionHubStats,
  type TenantSubscriptionStats,
  tenantStatsOf,
} from './hub-stats.js';
import {
  batchLimits,
  defaultHubOptions,
  type EventBatch,
  type EventBatchesOptions,
  type EventSubscription,
  type EventsOptions,
  type StreamEventsOptions,
  type SubscribableStore,
  SubscriptionHubClosedError,
  type SubscriptionHubOptions,
} from './hub-types.js';
import { LogSubscription } from './log-subscription.js';
import { readPatiently } from './patient-read.js';
import { readLogChunk } from './read-log-chunk.js';
import { StreamEventsReader } from './stream-events-reader.js';
import { streamKeyOf } from './stream-key.js';
import { SubscriptionSlots } from './subscription-slots.js';
import { TenantFeed } from './tenant-feed.js';
import type { ReadLog } from './tenant-poller.js';

export class SubscriptionHub {
  private readonly feeds = new Map<string, TenantFeed>();
  private readonly backoff: PollBackoffOptions;
  private readonly pageSize: number;
  private readonly bufferSize: number;
  private readonly clock: Clock;
  private closing = false;
  private readonly counts: HubCounts = newHubCounts();
  readonly slots = new SubscriptionSlots(); // the API layer's per-tenant count, subscription-slots.ts

  /** Pass this as the store's observer (or call `notify` from yours). */
  readonly observer: StoreObserver = {
    onCommitted: (tenant, lastPosition) => this.notify(tenant, lastPosition),
  };

  constructor(private readonly options: SubscriptionHubOptions = {}) {
    this.backoff = resolvePollBackoff(options.poll);
    this.pageSize = positiveInteger(options.pageSize ?? defaultHubOptions.pageSize, 'pageSize');
    if (this.pageSize > defaultLimits.maxPageSize) {
      throw new RangeError(`pageSize must be at most ${defaultLimits.maxPageSize}`);
    }
    this.bufferSize = positiveInteger(options.bufferSize ?? defaultHubOptions.bufferSize, 'bufferSize');
    this.clock = options.clock ?? systemClock;
  }

  /** Positions up to `lastPosition` were committed for `tenant` by this process. */
  notify(tenant: string, lastPosition: number): void {
    this.feeds.get(tenant)?.poller.notify(lastPosition);
  }

  /** `Subscription.events`: the tenant's new events after `after`, one at a time. */
  async events(
    store: SubscribableStore,
    options: EventsOptions = {},
  ): Promise<EventSubscription<RecordedEvent>> {
    const subscription = await this.openLogSubscription(store, options, this.bufferSize);
    return iterate(subscription, () => subscription.nextEvent());
  }

  /** `Subscription.eventBatches`. */
  async eventBatches(
    store: SubscribableStore,
    options: EventBatchesOptions = {},
  ): Promise<EventSubscription<EventBatch>> {
    const maxSize = options.maxSize ?? 100;
    const maxWaitMs = options.maxWaitMs ?? 100;
    if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > batchLimits.maxSize) {
      throw new InvalidInputError(`maxSize must be an integer from 1 to ${batchLimits.maxSize}.`, [
        'maxSize',
      ]);
    }
    if (!Number.isInteger(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > batchLimits.maxWaitMs) {
      throw new InvalidInputError(`maxWaitMs must be an integer from 0 to ${batchLimits.maxWaitMs}.`, [
        'maxWaitMs',
      ]);
    }
    const subscription = await this.openLogSubscription(store, options, Math.max(this.bufferSize, maxSize));
    return iterate(subscription, () => subscription.nextBatch(maxSize, maxWaitMs));
  }

  /**
   * `Subscription.streamEvents`: the events of one stream after version `afterVersion`.
   *
   * Versions already stored are read from the stream itself (not by scanning the log), then
   * the subscription continues on the log from there. A stream deleted and created again
   * restarts at version 1 and its new events are delivered; when `afterVersion` lies beyond
   * the stream's version at subscription time, only versions above it are delivered.
   */
  async streamEvents(
    store: SubscribableStore,
    options: StreamEventsOptions,
  ): Promise<EventSubscription<RecordedEvent>> {
    this.assertOpen();
    const afterVersion = options.afterVersion ?? null;
    if (afterVersion !== null && !isPosition(afterVersion)) {
      throw new InvalidInputError('afterVersion must be an integer of at least 0.', ['afterVersion']);
    }
    const reader = new StreamEventsReader(
      store,
      options.stream,
      streamKeyOf(options.stream, ['stream']),
      () => this.countStreamRead(),
    );
    const subscription = this.createSubscription(store, reader.readHistory, reader.matches, this.bufferSize);
    try {
      this.counts.setupReads += 2;
      const start = await this.patiently(() => reader.start(afterVersion), store.tenant);
      subscription.begin(start.after, start.atHead);
    } catch (error) {
      subscription.close();
      throw error;
    }
    return iterate(subscription, () => subscription.nextEvent());
  }

  /**
   * Completes every subscription (their iterators end), stops all pollers, and resolves once
   * no read of theirs is running. Subscribing afterwards throws SubscriptionHubClosedError.
   */
  async close(): Promise<void> {
    this.closing = true;
    const feeds = [...this.feeds.values()];
    const subscriptions = feeds.flatMap((feed) => [...feed.subscriptions]);
    for (const subscription of subscriptions) subscription.close();
    for (const feed of feeds) feed.stop();
    await Promise.all([
      ...feeds.map((feed) => feed.stopped()),
      ...subscriptions.map((subscription) => subscription.settled()),
    ]);
  }

  /** Open subscriptions (setting up or running), all tenants. */
  get subscriptionCount(): number {
    return this.tenants.reduce((count, tenant) => count + this.subscriberCount(tenant), 0);
  }

  /** Open subscriptions of one tenant: its slots, or without slots (direct hub use) its feed's. */
  subscriberCount(tenant: string): number {
    return Math.max(this.slots.count(tenant), this.feeds.get(tenant)?.subscriptions.size ?? 0);
  }

  /** All log reads by pollers since the hub started. */
  get pollReads(): number {
    return this.counts.pollReads;
  }

  /** All history reads by catching-up subscriptions since the hub started. */
  get catchUpReads(): number {
    return this.counts.catchUpReads;
  }

  /** Stream-metadata reads for delivered events (`page-streams.ts`), since the hub started. */
  get streamReads(): number {
    return this.counts.streamReads;
  }

  /** Reads made to start subscriptions (the head position; for streamEvents also the stream's last event). */
  get setupReads(): number {
    return this.counts.setupReads;
  }

  /** Times a subscription's buffer overflowed and it fell back to catching up, since the hub started. */
  get overflows(): number {
    return this.counts.overflows;
  }

  /** Tenants with a running feed. */
  get tenants(): string[] {
    return [...this.feeds.keys()];
  }

  /** What the tenant's feed holds now (`hub-stats.ts`); undefined when it has none. */
  tenantStats(tenant: string): TenantSubscriptionStats | undefined {
    const feed = this.feeds.get(tenant);
    return feed && tenantStatsOf(feed, this.subscriberCount(tenant));
  }

  /** All of the hub's figures at once. */
  stats(): SubscriptionHubStats {
    return {
      subscriptions: this.subscriptionCount,
      ...this.counts,
      tenants: this.tenants.flatMap((tenant) => this.tenantStats(tenant) ?? []),
    };
  }

  private countStreamRead(): void {
    this.counts.streamReads++;
  }

  /** A setup read, retried through load and outages (patient-read.ts). */
  private patiently<T>(read: () => Promise<T>, tenant: string): Promise<T> {
    return readPatiently(read, {
      backoff: this.backoff,
      clock: this.clock,
      onRetry: (error) => this.options.onReadError?.(error, { tenant, reader: 'setup' }),
    });
  }

  private assertOpen(): void {
    if (this.closing) throw new SubscriptionHubClosedError();
  }

  private async openLogSubscription(
    store: SubscribableStore,
    options: EventsOptions,
    capacity: number,
  ): Promise<LogSubscription> {
    this.assertOpen();
    const after = options.after ?? null;
    if (after !== null && !isPosition(after)) {
      throw new InvalidInputError('after must be a position: an integer from 0 to 2^53-1.', ['after']);
    }
    const filter = options.filter ?? null;
    // The store's own filter, so that live delivery selects exactly what history reads do;
    // it refuses malformed stream ids here, before anything starts.
    const matches = compileEventFilter(filter);
    const subscription = this.createSubscription(
      store,
      (from, limit) => readLogChunk(store, from, limit, filter, () => this.countStreamRead()),
      matches,
      capacity,
    );
    try {
      this.counts.setupReads++;
      const head = await this.patiently(() => store.headPosition(), store.tenant);
      if (after !== null && after > head) {
        throw new InvalidInputError(`after is beyond the last position of the log (${head}).`, ['after']);
      }
      subscription.begin(after ?? head, after === null || after === head);
    } catch (error) {
      subscription.close();
      throw error;
    }
    return subscription;
  }

  /** A subscription registered with its tenant's feed (so the feed outlives its setup). */
  private createSubscription(
    store: SubscribableStore,
    readHistory: ReadLog,
    matches: (event: RecordedEvent) => boolean,
    capacity: number,
  ): LogSubscription {
    const feed = this.feedFor(store);
    const subscription: LogSubscription = new LogSubscription({
      feed,
      readHistory,
      matches,
      capacity,
      pageSize: this.pageSize,
      clock: this.clock,
      backoff: this.backoff,
      onRead: () => {
        this.counts.catchUpReads++;
        feed.catchUpReads++;
      },
      onError: (error) => this.options.onReadError?.(error, { tenant: feed.tenant, reader: 'catch-up' }),
      onOverflow: () => {
        this.counts.overflows++;
      },
    });
    feed.add(subscription);
    return subscription;
  }

  private feedFor(store: SubscribableStore): TenantFeed {
    const existing = this.feeds.get(store.tenant);
    if (existing) return existing;
    const feed = new TenantFeed({
      tenant: store.tenant,
      read: (after, limit) => {
        this.counts.pollReads++;
        return readLogChunk(store, after, limit, null, () => this.countStreamRead());
      },
      clock: this.clock,
      backoff: this.backoff,
      pageSize: this.pageSize,
      onEmpty: (empty) => {
        if (this.feeds.get(empty.tenant) === empty) this.feeds.delete(empty.tenant);
      },
      onPollError: (error) => this.options.onReadError?.(error, { tenant: store.tenant, reader: 'poller' }),
    });
    this.feeds.set(store.tenant, feed);
    return feed;
  }
}

function iterate<T>(subscription: LogSubscription, pull: () => Promise<T | undefined>): EventSubscription<T> {
  const startPosition = subscription.coveredPosition;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  return {
    startPosition,
    async next() {
      const value = await pull();
      return value === undefined ? done : { done: false, value };
    },
    async return() {
      subscription.close();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function isPosition(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
