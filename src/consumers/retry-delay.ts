/** The pause before a consume session delivers an event again after a failed attempt. */

const firstRetryDelayMs = 100;
const longestRetryDelayMs = 5_000;

/**
 * How long an event waits before it is delivered again after `failedAttempts` failed attempts
 * (1 or more): 100 ms, doubling, at most 5 s. Short, because a consume client that nacks wants
 * the event back soon; the doubling only keeps a failing client from spinning.
 */
export function retryDelayMs(failedAttempts: number): number {
  const doublings = Math.min(Math.max(0, failedAttempts - 1), 16);
  return Math.min(longestRetryDelayMs, firstRetryDelayMs * 2 ** doublings);
}
