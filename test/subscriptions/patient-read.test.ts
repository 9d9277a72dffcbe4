// Setup reads of a subscription wait out load and outages up to a deadline; a client's
// mistake is not retried.
import { describe, expect, test } from 'vitest';
import { InvalidInputError, RateLimitedError, StoreUnavailableError } from '../../src/store/index.js';
import { defaultPollBackoff } from '../../src/subscriptions/backoff.js';
import type { Clock } from '../../src/subscriptions/clock.js';
import { readPatiently, retryDelay } from '../../src/subscriptions/patient-read.js';

function recordingClock(): Clock & { slept: number[] } {
  let time = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => time,
    async sleep(ms) {
      slept.push(ms);
      time += ms;
    },
  };
}

describe('patient reads', () => {
  test('retries an unavailable store and a spent budget, waiting at least what the budget asks', async () => {
    const clock = recordingClock();
    const failures = [
      new StoreUnavailableError('down'),
      new RateLimitedError(700),
      new StoreUnavailableError('down'),
    ];
    const retried: unknown[] = [];
    const value = await readPatiently(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 42;
      },
      { backoff: defaultPollBackoff, clock, onRetry: (error) => retried.push(error) },
    );
    expect(value).toBe(42);
    expect(retried).toHaveLength(3);
    expect(clock.slept).toEqual([100, 700, 1000]);
  });

  test('a client mistake is thrown at once; an outage past the deadline is thrown then', async () => {
    const clock = recordingClock();
    const mistake = new InvalidInputError('after is beyond the head', ['after']);
    await expect(
      readPatiently(() => Promise.reject(mistake), { backoff: defaultPollBackoff, clock }),
    ).rejects.toBe(mistake);
    expect(clock.slept).toEqual([]);
    const outage = new StoreUnavailableError('down');
    await expect(
      readPatiently(() => Promise.reject(outage), { backoff: defaultPollBackoff, clock, deadlineMs: 5_000 }),
    ).rejects.toBe(outage);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
    expect(clock.slept.length).toBeGreaterThan(3);
  });

  test('retryDelay follows the poll backoff, or the budget when it asks for longer', () => {
    expect(retryDelay(undefined, new StoreUnavailableError('x'), defaultPollBackoff)).toBe(100);
    expect(retryDelay(400, new StoreUnavailableError('x'), defaultPollBackoff)).toBe(800);
    expect(retryDelay(100, new RateLimitedError(1500), defaultPollBackoff)).toBe(1500);
  });
});
