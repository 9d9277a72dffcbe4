/**
 * How long the relay waits before sending a failed webhook batch again: exponential from
 * EVENTLOOM_WEBHOOK_RETRY_BASE_MS, capped at 60 s, with "equal jitter".
 *
 * Equal jitter (half the exponential delay fixed, the other half random) rather than full
 * jitter (anything from 0): gateways relaying many consumers of one failing endpoint spread
 * their retries out, yet a retry never comes sooner than half the delay, so an endpoint that is
 * down is not hammered by the retries that happen to draw a small number.
 */

/** EVENTLOOM_WEBHOOK_RETRY_BASE_MS when unset: the delay after the first failed attempt is 0.5 to 1 s. */
export const defaultWebhookRetryBaseMs = 1000;

/** No retry waits longer than this, however many attempts failed. */
export const webhookRetryCapMs = 60_000;

/**
 * The delay before the next attempt, in whole milliseconds, after `failedAttempts` failed
 * attempts (1 after the first failure): from half the ceiling to the ceiling, where the ceiling is
 * `baseMs * 2^(failedAttempts - 1)` capped at 60 s. `random` returns a number in [0, 1).
 */
export function webhookRetryDelay(
  failedAttempts: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const doublings = Math.max(0, Math.floor(failedAttempts) - 1);
  // 2 ** doublings grows to Infinity past 1023 doublings, which the cap absorbs.
  const ceiling = Math.max(1, Math.min(webhookRetryCapMs, baseMs * 2 ** doublings));
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.ceil(ceiling - draw * (ceiling / 2));
}
