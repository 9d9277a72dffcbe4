import { describe, expect, test } from 'vitest';
import { defaultWebhookRetryBaseMs, webhookRetryCapMs, webhookRetryDelay } from '../../src/outbox/backoff.js';

const lowest = () => 0.999_999_999;
const highest = () => 0;

describe('webhookRetryDelay', () => {
  test('constants: base 1000 ms, cap 60 s', () => {
    expect(defaultWebhookRetryBaseMs).toBe(1000);
    expect(webhookRetryCapMs).toBe(60_000);
  });

  test('equal jitter: from half the exponential delay to all of it', () => {
    expect(webhookRetryDelay(1, 1000, highest)).toBe(1000);
    expect(webhookRetryDelay(1, 1000, lowest)).toBe(501);
    expect(webhookRetryDelay(1, 1000, () => 0.5)).toBe(750);
    expect(webhookRetryDelay(3, 1000, highest)).toBe(4000);
    expect(webhookRetryDelay(3, 1000, lowest)).toBe(2001);
  });

  test('doubles per failed attempt until the 60 s cap, then stays there', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 2000].map((failed) =>
      webhookRetryDelay(failed, 1000, highest),
    );
    expect(ceilings).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000,
    ]);
    expect(webhookRetryDelay(2000, 1000, lowest)).toBe(30_001);
  });

  test('every draw stays within bounds, an integer of at least 1 ms', () => {
    for (const base of [1, 7, 250, 1000, 60_000]) {
      for (let failed = 0; failed <= 40; failed += 1) {
        const ceiling = Math.min(60_000, base * 2 ** Math.max(0, failed - 1));
        for (const draw of [0, 0.1, 0.5, 0.9, 0.999_999]) {
          const delay = webhookRetryDelay(failed, base, () => draw);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(ceiling / 2)));
          expect(delay).toBeLessThanOrEqual(ceiling);
        }
      }
    }
  });

  test('with Math.random, the lowest delay of a later attempt is above the highest of an early one', () => {
    const samples = (failed: number) => Array.from({ length: 200 }, () => webhookRetryDelay(failed, 1000));
    expect(Math.min(...samples(3))).toBeGreaterThan(Math.max(...samples(1)));
    expect(new Set(samples(5)).size).toBeGreaterThan(1);
  });
});
