/**
 * The per-key mutation limit's buckets (src/plugins/use-rate-limit.ts): one bucket per key,
 * full ones forgotten.
 *
 * Limits are per gateway process: behind a load balancer with N gateways a key may spend up to
 * N times the rate. That bounds abuse without a shared store on the append path.
 */
import { type Bucket, type RatePolicy, refill, type TakeResult, take } from '../store/token-bucket.js';

export { type Bucket, type RatePolicy, type TakeResult, take } from '../store/token-bucket.js';

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly policy: RatePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends a token of `key`; returns how long to wait when none is left. */
  take(key: string): TakeResult {
    const result = take(this.buckets.get(key), this.now(), this.policy);
    this.buckets.set(key, result.bucket);
    if (this.buckets.size > 10_000) this.prune();
    return result;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (refill(bucket, now, this.policy).tokens >= this.policy.burst) this.buckets.delete(key);
    }
  }
}
