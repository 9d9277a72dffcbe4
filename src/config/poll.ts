/** EVENTLOOM_POLL_MIN_MS and EVENTLOOM_POLL_MAX_MS: how often a tenant's subscription poller reads. */
import { defaultPollBackoff } from '../subscriptions/backoff.js';
import type { ReadVariable } from './env.js';

export interface SubscriptionPollConfig {
  /** Delay after a poll that found events (and the first idle delay). */
  activeIntervalMs: number;
  /** Longest delay between two polls of an idle log. */
  maxIntervalMs: number;
}

/** Bounds of EVENTLOOM_POLL_MIN_MS and EVENTLOOM_POLL_MAX_MS. */
export const pollIntervalBounds = Object.freeze({ min: 1, max: 60_000 });

/** EVENTLOOM_POLL_MIN_MS and EVENTLOOM_POLL_MAX_MS: whole milliseconds, min <= max. */
export function parsePoll(variable: ReadVariable, problems: string[]): SubscriptionPollConfig {
  const { min, max } = pollIntervalBounds;
  const read = (name: string, fallback: number): number | undefined => {
    const raw = variable(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (/^\d+$/.test(raw) && parsed >= min && parsed <= max) return parsed;
    problems.push(`${name} must be a whole number of milliseconds from ${min} to ${max}, got "${raw}".`);
    return undefined;
  };
  const activeIntervalMs = read('EVENTLOOM_POLL_MIN_MS', defaultPollBackoff.activeIntervalMs);
  // Defaults to at least the minimum, so that setting only EVENTLOOM_POLL_MIN_MS high is valid.
  const maxIntervalMs = read(
    'EVENTLOOM_POLL_MAX_MS',
    Math.max(defaultPollBackoff.maxIntervalMs, activeIntervalMs ?? 0),
  );
  if (activeIntervalMs !== undefined && maxIntervalMs !== undefined && maxIntervalMs < activeIntervalMs) {
    problems.push(
      `EVENTLOOM_POLL_MAX_MS (${maxIntervalMs}) must be at least EVENTLOOM_POLL_MIN_MS (${activeIntervalMs}).`,
    );
  }
  return {
    activeIntervalMs: activeIntervalMs ?? defaultPollBackoff.activeIntervalMs,
    maxIntervalMs: maxIntervalMs ?? defaultPollBackoff.maxIntervalMs,
  };
}
