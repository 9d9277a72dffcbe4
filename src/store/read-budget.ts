/**
 * A tenant's budget of DynamoDB reads in this process: a token bucket that regains
 * `perSecond` reads a second up to `burst`. A read takes a token (a Query also owes one per
 * 100 items it examined beyond its first 100, paid after it ran); when none is left it
 * reserves the next one and waits for it, unless that would take longer than `maxWaitMs`:
 * then it is refused with RateLimitedError and spends nothing. A tenant's excess waits or
 * fails, and other tenants, each with a bucket of their own, do not notice it.
 *
 * Reserving (letting the bucket go below zero) queues waiting reads in arrival order, so a
 * steady overload is served at exactly the rate instead of by whoever retries first.
 */

import { RateLimitedError } from './errors.js';
import { type Bucket, type RatePolicy, refill } from './token-bucket.js';

export interface ReadBudgetPolicy extends RatePolicy {
  /** The longest a read waits for its token before it is refused. */
  maxWaitMs: number;
}

/** Per tenant and gateway: 1,000 reads a second, 2,000 at once, a read waits at most 1 s. */
export const defaultReadBudget: Readonly<ReadBudgetPolicy> = Object.freeze({
  perSecond: 1000,
  burst: 2000,
  maxWaitMs: 1000,
});

export type Reservation =
  | { granted: true; waitMs: number; bucket: Bucket }
  | { granted: false; retryAfterMs: number; bucket: Bucket };

/** Takes or reserves one token at `now`; pure, so the arithmetic is tested apart from time. */
export function reserve(bucket: Bucket | undefined, now: number, policy: ReadBudgetPolicy): Reservation {
  const current = refill(bucket, now, policy);
  const waitMs = current.tokens >= 1 ? 0 : ((1 - current.tokens) / policy.perSecond) * 1000;
  if (waitMs > policy.maxWaitMs) return { granted: false, retryAfterMs: Math.ceil(waitMs), bucket: current };
  return { granted: true, waitMs, bucket: { ...current, tokens: current.tokens - 1 } };
}

/**
 * Items a Query may examine for the one token it paid up front; beyond them it owes one token
 * per this many more (a full page of 1,000 costs 10). A call is not all a read costs: DynamoDB
 * charges by what it reads, and one tenant's large Queries load the table as much as many
 * small reads.
 */
export const itemsPerReadToken = 100;

/** Tokens a Query owes after it ran, for the items it examined beyond its first token's share. */
export function tokensOwed(itemsExamined: number): number {
  return Math.max(0, Math.ceil(itemsExamined / itemsPerReadToken) - 1);
}

/** Takes `tokens` already spent (they may leave the bucket below zero); pure. */
export function charge(
  bucket: Bucket | undefined,
  now: number,
  policy: ReadBudgetPolicy,
  tokens: number,
): Bucket {
  const current = refill(bucket, now, policy);
  return { ...current, tokens: current.tokens - tokens };
}

export interface ReadBudgetEvents {
  /** A read waited for its token. */
  onDelayed?(waitMs: number): void;
  /** A read was refused. */
  onRefused?(retryAfterMs: number): void;
}

export class ReadBudget {
  private bucket: Bucket | undefined;

  constructor(
    private readonly policy: ReadBudgetPolicy,
    private readonly events: ReadBudgetEvents = {},
    private readonly now: () => number = Date.now,
  ) {
    for (const [name, value] of Object.entries(policy)) {
      if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a number from 0`);
    }
    if (policy.perSecond <= 0 || policy.burst < 1)
      throw new RangeError('perSecond and burst must be positive');
  }

  /** Resolves when this read may go; throws RateLimitedError when it would wait too long. */
  async spend(): Promise<void> {
    const result = reserve(this.bucket, this.now(), this.policy);
    this.bucket = result.bucket;
    if (!result.granted) {
      this.events.onRefused?.(result.retryAfterMs);
      throw new RateLimitedError(result.retryAfterMs);
    }
    if (result.waitMs <= 0) return;
    this.events.onDelayed?.(result.waitMs);
    await new Promise((resolve) => setTimeout(resolve, result.waitMs));
  }

  /** A read turned out larger than its token: the rest is owed, and the next reads wait for it. */
  owe(tokens: number): void {
    if (tokens > 0) this.bucket = charge(this.bucket, this.now(), this.policy, tokens);
  }
}
