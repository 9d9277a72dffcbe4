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
import type { RecordedEvent, StoreObserver } from '../store/types.js';
import {
  checkedAfter,
  checkedAfterVersion,
  checkedBatchOptions,
  type HubSettings,
  hubSettingsOf,
} from './hub-arguments.js';
import {
  type HubCounts,
  newHubCounts,
  type SubscriptionHubStats,
  type TenantSubscriptionStats,
  tenantStatsOf,
} from './hub-stats.js';
import {
  type EventBatch,
  type EventBatchesOptions,
  type EventSubscription,
  type EventsOptions,
  type StreamEventsOptions,
  type SubscribableStore,
  SubscriptionHubClosedError,
  type SubscriptionHubOptions,
  wholeStoreOf,
} from './hub-types.js';
import { LogSubscription } from './log-subscription.js';
import { readPatiently } from './patient-read.js';
import { readLogChunk } from './read-log-chunk.js';
import { StreamEventsReader } from './stream-events-reader.js';
import { streamKeyOf } from './stream-key.js';
import { iterate } from './subscription-iterator.js';
import { SubscriptionSlots } from './subscription-slots.js';
import { TenantFeed } from './tenant-feed.js';
import type { ReadLog } from './tenant-poller.js';

export class SubscriptionHub {
  private readonly feeds = new Map<string, TenantFeed>();
  private readonly settings: HubSettings;
  private closing = false;
  private readonly counts: HubCounts = newHubCounts();
  readonly slots = new SubscriptionSlots(); // the API layer's per-tenant count, subscription-slots.ts

  /** Pass this as the store's observer (or call `notify` from yours). */
  readonly observer: StoreObserver = {
    onCommitted: (tenant, lastPosition) => this.notify(tenant, lastPosition),
  };

  constructor(private readonly options: SubscriptionHubOptions = {}) {
    this.settings = hubSettingsOf(options);
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
    const subscription = await this.openLogSubscription(store, options, this.settings.bufferSize);
    return iterate(subscription, () => subscription.nextEvent());
  }

  /** `Subscription.eventBatches`. */
  async eventBatches(
    store: SubscribableStore,
    options: EventBatchesOptions = {},
  ): Promise<EventSubscription<EventBatch>> {
    const { maxSize, maxWaitMs } = checkedBatchOptions(options);
    const capacity = Math.max(this.settings.bufferSize, maxSize);
    const subscription = await this.openLogSubscription(store, options, capacity);
    const progress = options.skippedProgress === true;
    return iterate(subscription, () => subscription.nextBatch(maxSize, maxWaitMs, progress));
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
    const afterVersion = checkedAfterVersion(options.afterVersion);
    const key = streamKeyOf(options.stream, ['stream']);
    // The view reads a stream its restriction forbids as missing; live, none of its events match.
    const reader = new StreamEventsReader(store, options.stream, key, () => this.countStreamRead());
    const allowed = store.restriction?.allows(key) ?? true;
    const matches = allowed ? reader.matches : () => false;
    const { bufferSize } = this.settings;
    const subscription = this.createSubscription(store, reader.readHistory, matches, bufferSize);
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
      backoff: this.settings.backoff,
      clock: this.settings.clock,
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
    const after = checkedAfter(options.after);
    const filter = options.filter ?? null;
    // The store's own filter, with the view's restriction, so that live delivery selects
    // exactly what history reads (through the view) do; it refuses malformed stream ids here,
    // before anything starts.
    const matches = compileEventFilter(filter, store.restriction ?? null);
    const subscription = this.createSubscription(
      store,
      (from, limit, signal) => readLogChunk(store, from, limit, filter, () => this.countStreamRead(), signal),
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
      pageSize: this.settings.pageSize,
      clock: this.settings.clock,
      backoff: this.settings.backoff,
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

  private feedFor(view: SubscribableStore): TenantFeed {
    const existing = this.feeds.get(view.tenant);
    if (existing) return existing;
    // The feed serves every subscriber of the tenant: it reads the whole log, never a view's.
    const store = wholeStoreOf(view);
    const feed = new TenantFeed({
      tenant: store.tenant,
      read: (after, limit) => {
        this.counts.pollReads++;
        return readLogChunk(store, after, limit, null, () => this.countStreamRead());
      },
      clock: this.settings.clock,
      backoff: this.settings.backoff,
      pageSize: this.settings.pageSize,
      onEmpty: (empty) => {
        if (this.feeds.get(empty.tenant) === empty) this.feeds.delete(empty.tenant);
      },
      onPollError: (error) => this.options.onReadError?.(error, { tenant: store.tenant, reader: 'poller' }),
    });
    this.feeds.set(store.tenant, feed);
    return feed;
  }
}
