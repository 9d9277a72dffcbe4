// The read budget's arithmetic, apart from DynamoDB and time: a token per read, reservations
// below zero for reads that may wait, refusals that spend nothing.
import { describe, expect, test } from 'vitest';
import { RateLimitedError } from '../../src/store/errors.js';
import { charge, ReadBudget, reserve, tokensOwed } from '../../src/store/read-budget.js';

const policy = { perSecond: 10, burst: 3, maxWaitMs: 250 };

describe('reserve', () => {
  test('a full bucket grants the burst at once, then reservations wait 100 ms apart up to the limit', () => {
    let bucket: Parameters<typeof reserve>[0];
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const result = reserve(bucket, 1_000, policy);
      bucket = result.bucket;
      waits.push(result.granted ? Math.round(result.waitMs) : -Math.round(result.retryAfterMs));
    }
    // 3 at once, then 100, 200 ms; the next would wait 300 ms > 250: refused (retry after 300).
    expect(waits).toEqual([0, 0, 0, 100, 200, -300]);
    // The refusal spent nothing: 50 ms later the same reservation waits 250 ms and is granted.
    const later = reserve(bucket, 1_050, policy);
    expect(later.granted && Math.round(later.waitMs)).toBe(250);
  });

  test('time refills up to the burst and no further', () => {
    const empty = { tokens: -2, updatedAt: 0 };
    const refilled = reserve(empty, 60_000, policy);
    expect(refilled.granted).toBe(true);
    expect(refilled.bucket.tokens).toBe(2);
  });
});

describe('ReadBudget', () => {
  test('waits for reserved tokens in order, and refuses beyond the wait with RATE_LIMITED', async () => {
    let now = 0;
    const delayed: number[] = [];
    const refused: number[] = [];
    const budget = new ReadBudget(
      { perSecond: 100, burst: 2, maxWaitMs: 30 },
      { onDelayed: (ms) => delayed.push(Math.round(ms)), onRefused: (ms) => refused.push(ms) },
      () => now,
    );
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => budget.spend()));
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    expect(delayed).toEqual([10, 20, 30]);
    const error = (settled[5] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(40);
    expect(refused).toEqual([40]);
    now = 1_000;
    await expect(budget.spend()).resolves.toBeUndefined();
  });

  test('refuses nonsense policies', () => {
    expect(() => new ReadBudget({ perSecond: 0, burst: 1, maxWaitMs: 0 })).toThrow(RangeError);
    expect(() => new ReadBudget({ perSecond: 1, burst: Number.NaN, maxWaitMs: 0 })).toThrow(RangeError);
  });
});

describe('reads weighed by what they examine', () => {
  test('a Query owes a token per 100 items beyond its first 100', () => {
    expect([0, 1, 100, 101, 250, 1000].map(tokensOwed)).toEqual([0, 0, 0, 1, 2, 9]);
    const owed = charge(undefined, 0, policy, 9);
    expect(owed.tokens).toBe(policy.burst - 9);
  });

  test('what is owed makes the next reads wait or be refused', async () => {
    const budget = new ReadBudget({ perSecond: 1, burst: 20, maxWaitMs: 0 }, {}, () => 0);
    await budget.spend();
    budget.owe(19);
    await expect(budget.spend()).rejects.toBeInstanceOf(RateLimitedError);
  });
});
