/**
 * The hub's figures (for metrics and tests): its read and overflow counters since it started,
 * and per tenant what its feed, poller and subscriptions hold at the moment of asking.
 */
import type { TenantFeed } from './tenant-feed.js';

export interface TenantSubscriptionStats {
  tenant: string;
  subscriptions: number;
  /** Subscriptions fed by the shared poller. */
  live: number;
  /** Subscriptions reading history by themselves. */
  catchingUp: number;
  pollerRunning: boolean;
  /** Last position the poller covered; null before it started. */
  pollerPosition: number | null;
  /** Highest position known committed (poller position or local commit notice). */
  knownHead: number;
  /** knownHead - pollerPosition: how far the poller trails local commits. */
  pollerLag: number;
  /** Current poll delay (ms); null before the first poll. */
  pollDelayMs: number | null;
  pollReads: number;
  pollErrors: number;
  catchUpReads: number;
  bufferedEvents: number;
  largestBuffer: number;
  /** Largest knownHead - consumedPosition over the subscriptions: how far the slowest trails. */
  maxSubscriberLag: number;
}

/** The hub's counters, since it started. */
export interface HubCounts {
  /** All log reads by pollers. */
  pollReads: number;
  /** All history reads by subscriptions catching up. */
  catchUpReads: number;
  /** Reads made to start subscriptions (the head position; for streamEvents also the stream's last event). */
  setupReads: number;
  /** Stream-metadata reads for delivered events (one per page read, at most; `page-streams.ts`). */
  streamReads: number;
  /** Times a subscription's buffer overflowed and it fell back to catching up. */
  overflows: number;
}

export interface SubscriptionHubStats extends HubCounts {
  subscriptions: number;
  tenants: TenantSubscriptionStats[];
}

export function newHubCounts(): HubCounts {
  return { pollReads: 0, catchUpReads: 0, setupReads: 0, streamReads: 0, overflows: 0 };
}

/** What a tenant's feed holds now; `subscriptions` is the tenant's count of open subscriptions. */
export function tenantStatsOf(feed: TenantFeed, subscriptions: number): TenantSubscriptionStats {
  const poller = feed.poller;
  const knownHead = poller.knownHead;
  let bufferedEvents = 0;
  let largestBuffer = 0;
  let maxSubscriberLag = 0;
  let catchingUp = 0;
  for (const subscription of feed.subscriptions) {
    bufferedEvents += subscription.bufferedCount;
    largestBuffer = Math.max(largestBuffer, subscription.bufferedCount);
    if (subscription.state === 'catching-up') catchingUp++;
    if (subscription.state !== 'starting') {
      maxSubscriberLag = Math.max(maxSubscriberLag, knownHead - subscription.consumedPosition);
    }
  }
  return {
    tenant: feed.tenant,
    subscriptions,
    live: feed.liveCount,
    catchingUp,
    pollerRunning: poller.running,
    pollerPosition: poller.position ?? null,
    knownHead,
    pollerLag: knownHead - (poller.position ?? knownHead),
    pollDelayMs: poller.currentDelayMs ?? null,
    pollReads: poller.reads,
    pollErrors: poller.errors,
    catchUpReads: feed.catchUpReads,
    bufferedEvents,
    largestBuffer,
    maxSubscriberLag,
  };
}
