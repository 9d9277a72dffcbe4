/**
 * Token buckets for abuse limits: each key may spend `burst` tokens at once and regains
 * `perSecond` tokens a second. Pure functions over plain state, so the arithmetic is tested
 * apart from time; `RateLimiter` keeps one bucket per key, and forgets full ones.
 *
 * Limits are per gateway process: behind a load balancer with N gateways a key may spend up to
 * N times the rate. That bounds abuse without a shared store on the append path.
 */
export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RatePolicy {
  perSecond: number;
  burst: number;
}

export type TakeResult =
  | { allowed: true; bucket: Bucket }
  | { allowed: false; bucket: Bucket; retryAfterMs: number };

export function refill(bucket: Bucket, now: number, policy: RatePolicy): Bucket {
  const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
  return { tokens: Math.min(policy.burst, bucket.tokens + elapsed * policy.perSecond), updatedAt: now };
}

export function take(bucket: Bucket | undefined, now: number, policy: RatePolicy): TakeResult {
  const current = refill(bucket ?? { tokens: policy.burst, updatedAt: now }, now, policy);
  if (current.tokens >= 1) return { allowed: true, bucket: { ...current, tokens: current.tokens - 1 } };
  const retryAfterMs = Math.ceil(((1 - current.tokens) / policy.perSecond) * 1000);
  return { allowed: false, bucket: current, retryAfterMs };
}

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
