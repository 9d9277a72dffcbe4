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
    return { ...holdingSlot(subscription, release, signal), startPosition: subscription.startPosition };
  }
}

/** What a slot holds: a subscription's iterator, however it was made (the hub's, a consume session). */
export interface SlotHolder<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  return(): Promise<IteratorResult<T, undefined>>;
}

/**
 * `iterator`, giving its slot back once when it ends (done, failed, or returned), and returned
 * when `signal` aborts. `releaseAfterReturn`: the slot is given back only once `return()` has
 * settled (a consume session releases its consumer's lease there; a new session for the same
 * client must not be admitted while the old one still holds it); otherwise at once.
 */
export function holdingSlot<T>(
  iterator: SlotHolder<T>,
  release: () => void,
  signal: AbortSignal | undefined,
  { releaseAfterReturn = false }: { releaseAfterReturn?: boolean } = {},
): SlotHolder<T> & AsyncIterableIterator<T, undefined> {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener('abort', abandon);
    release();
  };
  const abandon = () => void held.return();
  const held = {
    async next() {
      try {
        const result = await iterator.next();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return() {
      if (!releaseAfterReturn) end();
      try {
        return await iterator.return();
      } finally {
        end();
      }
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  if (signal?.aborted) abandon();
  else signal?.addEventListener('abort', abandon, { once: true });
  return held;
}
