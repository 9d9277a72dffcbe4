/**
 * The hub's API types: what the API layer passes to {@link SubscriptionHub} (the store, the
 * options of the hub and of each subscription) and what it gets back (subscriptions of events
 * or of batches), and the error thrown once the hub is closing.
 */
import type { EventFilter, RecordedEvent, StreamRef, TenantEventStore } from '../store/types.js';
import type { PollBackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';

/**
 * The part of a tenant's store the hub uses. A {@link TenantEventStore} is one. A restricted
 * view (src/store/restricted-store.ts) brings its `restriction`, which the hub applies to the
 * subscription, and its `unrestricted` store, which the tenant's shared poller reads.
 */
export type SubscribableStore = Pick<
  TenantEventStore,
  'tenant' | 'readLog' | 'headPosition' | 'readStream' | 'getStreams' | 'restriction'
> & { readonly unrestricted?: SubscribableStore | undefined };

/** The tenant's whole store beneath a (possibly restricted) view: what the shared poller reads. */
export function wholeStoreOf(view: SubscribableStore): SubscribableStore {
  if (!view.restriction) return view;
  if (!view.unrestricted) throw new Error('a restricted store view must bring its unrestricted store');
  return view.unrestricted;
}

export interface SubscriptionHubOptions {
  /** Poll pacing; defaults in `backoff.ts` (100 ms while events flow, up to 1000 ms idle). */
  poll?: Partial<PollBackoffOptions>;
  /** Events per log read, for the poller and for catching up: 1 to the store's page maximum (1000). Default 100. */
  pageSize?: number;
  /**
   * Events one subscription buffers before it stops taking the live feed and catches up by
   * itself once its consumer makes room. Default 256; a batch subscription buffers at least
   * its maxSize.
   */
  bufferSize?: number;
  clock?: Clock;
  /** A log read failed (it is retried). For logging; must not throw. */
  onReadError?(error: unknown, where: { tenant: string; reader: 'poller' | 'catch-up' | 'setup' }): void;
}

export const defaultHubOptions = Object.freeze({ pageSize: 100, bufferSize: 256 });

/** Bounds of the batch options. */
export const batchLimits = Object.freeze({ maxSize: 1000, maxWaitMs: 60_000 });

export interface EventsOptions {
  /** Exclusive position; omitted or null: the head of the log when subscribing. */
  after?: number | null | undefined;
  filter?: EventFilter | null | undefined;
}

export interface EventBatchesOptions extends EventsOptions {
  /** Events per batch, 1 to 1000; default 100. */
  maxSize?: number | null | undefined;
  /** Longest wait after a batch's first event, 0 to 60000 ms; default 100. */
  maxWaitMs?: number | null | undefined;
  /**
   * Also an empty batch whenever the log moved past events the filter skips while nothing is
   * buffered, so that the reader's checkpoint follows the log even when no selected event comes
   * (a durable consumer saves it). Off for the API's eventBatches, whose batches hold events.
   */
  skippedProgress?: boolean | undefined;
}

export interface StreamEventsOptions {
  stream: StreamRef;
  /** Exclusive version; omitted or null: the stream's version when subscribing. */
  afterVersion?: number | null | undefined;
}

/** Events delivered together: by `eventBatches`, as the consumer takes them from a buffer. */
export interface EventBatch {
  events: RecordedEvent[];
  /** The last log position the batch covers (at least its last event's): resume after it. */
  checkpoint: number;
  /** The batch brings the subscriber up to the tenant's head as last read: delivery is live. */
  caughtUp: boolean;
}

/** A running subscription. `return()` ends it; `next()` then (and after `close()`) is done. */
export interface EventSubscription<T> extends AsyncIterableIterator<T, undefined> {
  /** The exclusive log position delivery starts after. */
  readonly startPosition: number;
  next(): Promise<IteratorResult<T, undefined>>;
  return(): Promise<IteratorResult<T, undefined>>;
}

/** Thrown by the subscribing methods once the hub is closing. */
export class SubscriptionHubClosedError extends Error {
  constructor() {
    super('The gateway is shutting down; subscribe again later.');
    this.name = 'SubscriptionHubClosedError';
  }
}
