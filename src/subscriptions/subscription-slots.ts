/**
 * Subscription slots: how many subscriptions each tenant holds on this gateway, counted from
 * the moment one is accepted (before its setup reads anything) until it ends. The per-tenant
 * cap is checked and the slot taken in one synchronous step, so a burst of concurrent
 * subscribes cannot pass the cap together, however long their setup reads queue.
 *
 * A slot is given back exactly once: when the setup fails, or when the subscription ends (its
 * iterator returned, finished or failed), or when `signal` aborts. That last one is for
 * yoga's SSE: when the client goes away while the setup is still reading, yoga never streams
 * the iterator and so never returns it; without the signal the subscription would run, and
 * count, for good.
 *
 * The hub owns one `SubscriptionSlots` (`hub.slots`) and counts its subscriptions from it, so
 * `hub.stats()` (the `eventloom_subscriptions` gauge) includes those still setting up.
 */
import type { EventSubscription } from './hub-types.js';

/** The tenant already holds `limit` subscriptions on this gateway. */
export class SubscriptionLimitError extends Error {
  constructor(
    readonly tenant: string,
    readonly limit: number,
  ) {
    super(`This tenant has ${limit} open subscriptions on this gateway, the most it may hold.`);
    this.name = 'SubscriptionLimitError';
  }
}

export class SubscriptionSlots {
  private readonly held = new Map<string, number>();
  private heldTotal = 0;

  /** Slots `tenant` holds: its subscriptions accepted and not yet ended. */
  count(tenant: string): number {
    return this.held.get(tenant) ?? 0;
  }

  /** Slots held, all tenants. */
  get total(): number {
    return this.heldTotal;
  }

  /**
   * Takes a slot of `tenant`, or throws {@link SubscriptionLimitError} when it holds `limit`
   * already. Returns the release, which gives the slot back on its first call only.
   */
  take(tenant: string, limit: number): () => void {
    const count = this.count(tenant);
    if (count >= limit) throw new SubscriptionLimitError(tenant, limit);
    this.held.set(tenant, count + 1);
    this.heldTotal++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.heldTotal--;
      const left = this.count(tenant) - 1;
      if (left > 0) this.held.set(tenant, left);
      else this.held.delete(tenant);
    };
  }

  /**
   * Opens a subscription in a slot of `tenant`: the slot is taken at once (or the call rejects
   * with {@link SubscriptionLimitError}), then `start` sets the subscription up. The slot is
   * held until the subscription ends; `signal` aborted (the client went away) ends it.
   */
  async open<T>(
    tenant: string,
    limit: number,
    start: () => Promise<EventSubscription<T>>,
    signal?: AbortSignal,
  ): Promise<EventSubscription<T>> {
    const release = this.take(tenant, limit);
    let subscription: EventSubscription<T>;
    try {
      subscription = await start();
    } catch (error) {
      release();
      throw error;
    }
    return holdingSlot(subscription, release, signal);
  }
}

/** `subscription`, releasing its slot when it ends, and ended when `signal` aborts. */
function holdingSlot<T>(
  subscription: EventSubscription<T>,
  release: () => void,
  signal: AbortSignal | undefined,
): EventSubscription<T> {
  const abandon = () => void held.return();
  const end = () => {
    signal?.removeEventListener('abort', abandon);
    release();
  };
  const held: EventSubscription<T> = {
    startPosition: subscription.startPosition,
    async next() {
      try {
        const result = await subscription.next();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return() {
      end();
      return subscription.return();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  if (signal?.aborted) abandon();
  else signal?.addEventListener('abort', abandon, { once: true });
  return held;
}
