/**
 * The poll interval of a tenant's poller, as a pure function of what the last poll found.
 *
 * DynamoDB has no push channel that fits the log, so subscriptions are fed by polling it.
 * Appends committed in this process wake the poller at once (StoreObserver.onCommitted);
 * the interval only bounds how late appends made by *other* gateways are seen, and what an
 * idle tenant costs. So: poll again at once while a read returns full pages, soon while
 * events flow, and less and less often while the log is idle.
 *
 * Defaults ({@link defaultPollBackoff}): 100 ms while events flow, doubling on each idle
 * poll up to 1000 ms. An idle tenant with subscribers thus costs one consistent Query per
 * second per gateway, and events from another gateway arrive within about 100 ms while
 * the log is busy and within about a second after a quiet spell.
 */

export interface PollBackoffOptions {
  /** Delay after a poll that found events; also the first idle delay. */
  activeIntervalMs: number;
  /** Longest delay between two polls of an idle log. */
  maxIntervalMs: number;
  /** Factor by which the delay grows after each poll that found nothing (at least 1). */
  growthFactor: number;
}

export const defaultPollBackoff: Readonly<PollBackoffOptions> = Object.freeze({
  activeIntervalMs: 100,
  maxIntervalMs: 1000,
  growthFactor: 2,
});

/**
 * What a poll found:
 * - `more`: a full page; more is readable now.
 * - `events`: new positions, and nothing more for now.
 * - `behind`: a position known to be committed (from a local append) is not readable yet;
 *   retry soon, without backing off (a reader must not skip it: it will appear).
 * - `idle`: nothing new.
 * - `error`: the read failed; wait as if idle so an outage is not hammered.
 */
export type PollOutcome = 'more' | 'events' | 'behind' | 'idle' | 'error';

/**
 * The delay before the next poll.
 * @param previousDelayMs the delay chosen after the previous poll; undefined before the first.
 */
export function nextPollDelay(
  previousDelayMs: number | undefined,
  outcome: PollOutcome,
  options: PollBackoffOptions = defaultPollBackoff,
): number {
  const { activeIntervalMs, maxIntervalMs, growthFactor } = options;
  switch (outcome) {
    case 'more':
      return 0;
    case 'events':
    case 'behind':
      return activeIntervalMs;
    case 'idle':
    case 'error': {
      if (previousDelayMs === undefined || previousDelayMs < activeIntervalMs) return activeIntervalMs;
      return Math.min(maxIntervalMs, previousDelayMs * growthFactor);
    }
  }
}

/** Fills in the defaults and checks the values; a RangeError names the bad option. */
export function resolvePollBackoff(options: Partial<PollBackoffOptions> = {}): PollBackoffOptions {
  const resolved: PollBackoffOptions = {
    activeIntervalMs: options.activeIntervalMs ?? defaultPollBackoff.activeIntervalMs,
    maxIntervalMs: options.maxIntervalMs ?? defaultPollBackoff.maxIntervalMs,
    growthFactor: options.growthFactor ?? defaultPollBackoff.growthFactor,
  };
  if (!Number.isFinite(resolved.activeIntervalMs) || resolved.activeIntervalMs < 1) {
    throw new RangeError('poll activeIntervalMs must be a number of milliseconds of at least 1');
  }
  if (!Number.isFinite(resolved.maxIntervalMs) || resolved.maxIntervalMs < resolved.activeIntervalMs) {
    throw new RangeError('poll maxIntervalMs must be a number of milliseconds of at least activeIntervalMs');
  }
  if (!Number.isFinite(resolved.growthFactor) || resolved.growthFactor < 1) {
    throw new RangeError('poll growthFactor must be a number of at least 1');
  }
  return resolved;
}
