/**
 * Token buckets: a key may spend `burst` tokens at once and regains `perSecond` tokens a
 * second. Pure functions over plain state, so the arithmetic is tested apart from time. The
 * store's read budget (read-budget.ts) and the API's mutation limit
 * (src/plugins/rate-limiter.ts) are both built on them.
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

/** The bucket at `now`; a key without one yet starts full. */
export function refill(bucket: Bucket | undefined, now: number, policy: RatePolicy): Bucket {
  if (bucket === undefined) return { tokens: policy.burst, updatedAt: now };
  const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
  return { tokens: Math.min(policy.burst, bucket.tokens + elapsed * policy.perSecond), updatedAt: now };
}

export function take(bucket: Bucket | undefined, now: number, policy: RatePolicy): TakeResult {
  const current = refill(bucket, now, policy);
  if (current.tokens >= 1) return { allowed: true, bucket: { ...current, tokens: current.tokens - 1 } };
  const retryAfterMs = Math.ceil(((1 - current.tokens) / policy.perSecond) * 1000);
  return { allowed: false, bucket: current, retryAfterMs };
}
