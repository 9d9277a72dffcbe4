/**
 * A subscription's reads wait out load instead of ending it. A read that fails with a
 * retryable store error (DynamoDB unavailable or throttled, the tenant's read budget spent)
 * is tried again after the poll backoff's error delay, or after the budget's own
 * `retryAfterMs` when that is longer. Catch-up reads retry for as long as the subscription
 * lives; the reads that set a subscription up retry until a deadline, so that a client is
 * told of an outage that outlasts it rather than waiting without an answer.
 */
import { isEventStoreError, RateLimitedError } from '../store/index.js';
import { nextPollDelay, type PollBackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';

/** How long the reads that set a subscription up may keep retrying. */
export const setupRetryDeadlineMs = 30_000;

/** True for errors a later attempt of the same read may not meet. */
export function isTransient(error: unknown): boolean {
  return isEventStoreError(error) && error.retryable;
}

/** The wait before retrying after `error`, given the previous wait (undefined at first). */
export function retryDelay(
  previousMs: number | undefined,
  error: unknown,
  backoff: PollBackoffOptions,
): number {
  const delay = nextPollDelay(previousMs, 'error', backoff);
  return error instanceof RateLimitedError ? Math.max(delay, error.retryAfterMs) : delay;
}

export interface PatientReadOptions {
  backoff: PollBackoffOptions;
  clock: Clock;
  /** Give up (throw the last error) once this much time has passed; default {@link setupRetryDeadlineMs}. */
  deadlineMs?: number;
  /** Told of each failure that will be retried. */
  onRetry?(error: unknown): void;
}

/** `read()`, retried on transient errors until it succeeds or the deadline passes. */
export async function readPatiently<T>(read: () => Promise<T>, options: PatientReadOptions): Promise<T> {
  const { clock, backoff } = options;
  const giveUpAt = clock.now() + (options.deadlineMs ?? setupRetryDeadlineMs);
  let delay: number | undefined;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      delay = retryDelay(delay, error, backoff);
      if (!isTransient(error) || clock.now() + delay > giveUpAt) throw error;
      options.onRetry?.(error);
      await clock.sleep(delay);
    }
  }
}
