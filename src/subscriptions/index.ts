/**
 * Live subscriptions, transport-free: the GraphQL layer calls {@link SubscriptionHub} and
 * gets async iterators back. See README.md in this folder for the design.
 */
export {
  defaultPollBackoff,
  nextPollDelay,
  type PollBackoffOptions,
  type PollOutcome,
  resolvePollBackoff,
} from './backoff.js';
export { type Clock, systemClock } from './clock.js';
export { SubscriptionHub } from './hub.js';
export type { HubCounts, SubscriptionHubStats, TenantSubscriptionStats } from './hub-stats.js';
export {
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
export { deliveredStreamOf } from './page-streams.js';
export {
  holdingSlot,
  type SlotHolder,
  SubscriptionLimitError,
  SubscriptionSlots,
} from './subscription-slots.js';
export {
  type LogBatch,
  type LogChunk,
  type ReadLog,
  TenantPoller,
  type TenantPollerOptions,
} from './tenant-poller.js';
