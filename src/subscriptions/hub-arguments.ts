/**
 * The hub's arguments, checked. Its own options are the server's configuration: a bad one is a
 * RangeError naming it. A subscription's are the client's: a bad one is the store's
 * InvalidInputError with the argument's path, which the API layer reports as bad user input.
 */
import { InvalidInputError } from '../store/errors.js';
import { defaultLimits } from '../store/limits.js';
import { type PollBackoffOptions, resolvePollBackoff } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import {
  batchLimits,
  defaultHubOptions,
  type EventBatchesOptions,
  type SubscriptionHubOptions,
} from './hub-types.js';

export interface HubSettings {
  backoff: PollBackoffOptions;
  pageSize: number;
  bufferSize: number;
  clock: Clock;
}

/** The hub's options with their defaults; throws a RangeError for a bad one. */
export function hubSettingsOf(options: SubscriptionHubOptions): HubSettings {
  const backoff = resolvePollBackoff(options.poll);
  const pageSize = positiveInteger(options.pageSize ?? defaultHubOptions.pageSize, 'pageSize');
  if (pageSize > defaultLimits.maxPageSize) {
    throw new RangeError(`pageSize must be at most ${defaultLimits.maxPageSize}`);
  }
  const bufferSize = positiveInteger(options.bufferSize ?? defaultHubOptions.bufferSize, 'bufferSize');
  return { backoff, pageSize, bufferSize, clock: options.clock ?? systemClock };
}

/** `after`, a position, or null when omitted. */
export function checkedAfter(after: number | null | undefined): number | null {
  if (after == null) return null;
  if (!isPosition(after)) {
    throw new InvalidInputError('after must be a position: an integer from 0 to 2^53-1.', ['after']);
  }
  return after;
}

/** `afterVersion`, a version, or null when omitted. */
export function checkedAfterVersion(afterVersion: number | null | undefined): number | null {
  if (afterVersion == null) return null;
  if (!isPosition(afterVersion)) {
    throw new InvalidInputError('afterVersion must be an integer of at least 0.', ['afterVersion']);
  }
  return afterVersion;
}

/** `maxSize` and `maxWaitMs` of a batch subscription, with their defaults. */
export function checkedBatchOptions(options: EventBatchesOptions): { maxSize: number; maxWaitMs: number } {
  const maxSize = options.maxSize ?? 100;
  const maxWaitMs = options.maxWaitMs ?? 100;
  if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > batchLimits.maxSize) {
    throw new InvalidInputError(`maxSize must be an integer from 1 to ${batchLimits.maxSize}.`, ['maxSize']);
  }
  if (!Number.isInteger(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > batchLimits.maxWaitMs) {
    throw new InvalidInputError(`maxWaitMs must be an integer from 0 to ${batchLimits.maxWaitMs}.`, [
      'maxWaitMs',
    ]);
  }
  return { maxSize, maxWaitMs };
}

function isPosition(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
