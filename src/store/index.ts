/** The event store: DynamoDB inside, no GraphQL. See README.md beside this file. */
export { type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff.js';
export {
  createDynamoConsumerStore,
  type DynamoConsumerStoreOptions,
} from './consumers/dynamo-consumer-store.js';
export type * from './consumers/types.js';
export { consumerLimits, isConsumerName } from './consumers/validate.js';
export { createDynamoEventStore, type DynamoEventStoreOptions } from './dynamo-event-store.js';
export * from './errors.js';
export { checkExpectedVersion } from './expected-version.js';
export { compileEventFilter } from './filter.js';
export { defaultLimits, type StoreLimits } from './limits.js';
export { restrictTenantStore } from './restricted-store.js';
export { type RestrictionClaims, StreamRestriction } from './restriction.js';
export { streamIdForName, streamNamespace } from './stream-id.js';
export { eventsTableName } from './tables.js';
export type * from './types.js';
