import { describe, expect, test } from 'vitest';
import { RateLimiter, take } from '../../src/plugins/rate-limiter.js';

describe('token buckets', () => {
  const policy = { perSecond: 2, burst: 3 };

  test('a burst is allowed, then one token per 1/rate seconds', () => {
    let bucket: Parameters<typeof take>[0];
    const results: boolean[] = [];
    for (let index = 0; index < 4; index++) {
      const result = take(bucket, 1000, policy);
      results.push(result.allowed);
      bucket = result.bucket;
    }
    expect(results).toEqual([true, true, true, false]);
    const refused = take(bucket, 1000, policy);
    expect(refused.allowed ? 0 : refused.retryAfterMs).toBe(500);
    expect(take(bucket, 1499, policy).allowed).toBe(false);
    expect(take(bucket, 1500, policy).allowed).toBe(true);
  });

  test('the limiter keeps one bucket per key', () => {
    let now = 0;
    const limiter = new RateLimiter(policy, () => now);
    for (let index = 0; index < 3; index++) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
    now = 10_000;
    expect(limiter.take('a').allowed).toBe(true);
  });
});
