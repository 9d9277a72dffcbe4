/**
 * Retry delays for contended or throttled writes: exponential with full jitter, so that
 * gateways that collided on the tenant counter do not collide again in lockstep.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 2, maxMs: 200 };

/** The delay before retry number `attempt` (0-based); `random` in [0, 1). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = defaultBackoff,
  random = Math.random(),
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(ceiling * random);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
