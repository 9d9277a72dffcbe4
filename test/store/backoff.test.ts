import { describe, expect, test } from 'vitest';
import { backoffDelay } from '../../src/store/backoff.js';

describe('backoffDelay', () => {
  test('grows exponentially up to the ceiling, scaled by the jitter', () => {
    const policy = { baseMs: 2, maxMs: 100 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, policy, 0.999999))).toEqual([
      1, 3, 7, 15, 31, 63, 99, 99,
    ]);
    expect(backoffDelay(5, policy, 0)).toBe(0);
    expect(backoffDelay(3, policy, 0.5)).toBe(8);
  });
});
