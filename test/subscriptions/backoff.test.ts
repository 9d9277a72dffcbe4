import { describe, expect, test } from 'vitest';
import {
  defaultPollBackoff,
  nextPollDelay,
  type PollBackoffOptions,
  resolvePollBackoff,
} from '../../src/subscriptions/backoff.js';

const options: PollBackoffOptions = { activeIntervalMs: 50, maxIntervalMs: 400, growthFactor: 2 };

describe('nextPollDelay', () => {
  test('reads again at once while pages come back full', () => {
    expect(nextPollDelay(undefined, 'more', options)).toBe(0);
    expect(nextPollDelay(400, 'more', options)).toBe(0);
  });

  test('polls at the active interval while events flow, whatever the previous delay', () => {
    expect(nextPollDelay(undefined, 'events', options)).toBe(50);
    expect(nextPollDelay(400, 'events', options)).toBe(50);
    expect(nextPollDelay(0, 'events', options)).toBe(50);
  });

  test('an idle log grows the delay by the factor up to the maximum', () => {
    const delays: number[] = [];
    let delay: number | undefined;
    for (let i = 0; i < 6; i++) {
      delay = nextPollDelay(delay, 'idle', options);
      delays.push(delay);
    }
    expect(delays).toEqual([50, 100, 200, 400, 400, 400]);
  });

  test('the first idle poll after a full page starts again from the active interval', () => {
    expect(nextPollDelay(0, 'idle', options)).toBe(50);
  });

  test('a committed position not yet readable is retried at the active interval, without growth', () => {
    expect(nextPollDelay(400, 'behind', options)).toBe(50);
    expect(nextPollDelay(50, 'behind', options)).toBe(50);
  });

  test('errors back off like an idle log', () => {
    expect(nextPollDelay(undefined, 'error', options)).toBe(50);
    expect(nextPollDelay(100, 'error', options)).toBe(200);
    expect(nextPollDelay(400, 'error', options)).toBe(400);
  });

  test('a factor of 1 keeps a constant interval', () => {
    const flat = { ...options, growthFactor: 1 };
    expect(nextPollDelay(50, 'idle', flat)).toBe(50);
  });

  test('the defaults: 100 ms while events flow, doubling up to one second', () => {
    expect(defaultPollBackoff).toEqual({ activeIntervalMs: 100, maxIntervalMs: 1000, growthFactor: 2 });
    expect(nextPollDelay(undefined, 'events')).toBe(100);
    expect(nextPollDelay(800, 'idle')).toBe(1000);
  });
});

describe('resolvePollBackoff', () => {
  test('fills in defaults for what is not given', () => {
    expect(resolvePollBackoff({ maxIntervalMs: 5000 })).toEqual({
      activeIntervalMs: 100,
      maxIntervalMs: 5000,
      growthFactor: 2,
    });
  });

  test('refuses values that make no sense', () => {
    expect(() => resolvePollBackoff({ activeIntervalMs: 0 })).toThrow(/activeIntervalMs/);
    expect(() => resolvePollBackoff({ activeIntervalMs: 500, maxIntervalMs: 100 })).toThrow(/maxIntervalMs/);
    expect(() => resolvePollBackoff({ growthFactor: 0.5 })).toThrow(/growthFactor/);
    expect(() => resolvePollBackoff({ maxIntervalMs: Number.NaN })).toThrow(/maxIntervalMs/);
  });
});
