/**
 * The small parts a consume session is made of: its settings and options, the clock it keeps
 * (wall-clock milliseconds, since lease expiries and parkedAt are shared with other gateways and
 * written to DynamoDB), the wake-up its loop sleeps on, and the outlet where the client's pulls
 * wait for deliveries.
 */
import type { ConsumerState, HeldLease, TenantConsumerStore } from '../store/consumers/types.js';
import {
  type Clock,
  type EventBatch,
  type EventBatchesOptions,
  type SubscribableStore,
  systemClock,
} from '../subscriptions/index.js';
import type { ConsumerSessions } from './consumer-sessions.js';
import type { ConsumerDelivery } from './ledger.js';

export interface SessionTiming {
  /** How long an acquired or renewed lease lasts. */
  leaseTtlMs: number;
  renewEveryMs: number;
  /** How often a waiting session tries to take the lease (a local release wakes it at once). */
  acquireRetryMs: number;
  /** The checkpoint is saved at most this often while it moves. */
  checkpointEveryMs: number;
  /** The pause after a failed store call before it is tried again. */
  errorRetryMs: number;
}

export const defaultSessionTiming: Readonly<SessionTiming> = Object.freeze({
  leaseTtlMs: 10_000,
  renewEveryMs: 2_000,
  acquireRetryMs: 1_000,
  checkpointEveryMs: 1_000,
  errorRetryMs: 1_000,
});

/** The part of the hub a session reads from; `SubscriptionHub` is one. */
export interface ConsumerEventSource {
  eventBatches(
    store: SubscribableStore,
    options: EventBatchesOptions,
  ): Promise<AsyncIterator<EventBatch, undefined>>;
}

/** Where a session met an error; 'unexpected' ended the session (a defect, not a store failure). */
export type SessionErrorPlace = 'acquire' | 'load' | 'renew' | 'write' | 'source' | 'release' | 'unexpected';

export interface ConsumeSessionOptions {
  readonly consumers: TenantConsumerStore;
  /** The tenant's event store (unrestricted): the hub's source and where replayed events are read. */
  readonly events: SubscribableStore;
  readonly hub: ConsumerEventSource;
  readonly sessions: ConsumerSessions;
  readonly name: string;
  /** 1 to 1000 (the API checks it). */
  readonly maxInFlight: number;
  /**
   * The consumer the caller looked up (it checked it exists and has no webhook): a consumer
   * deleted and created again under the name ends the session instead of being delivered.
   */
  readonly incarnation?: string | undefined;
  /** `now()` in milliseconds since 1970. Default: Date.now and real timers. */
  readonly clock?: Clock | undefined;
  /** Default: a random UUID. */
  readonly owner?: string | undefined;
  readonly timing?: Partial<SessionTiming> | undefined;
  /** A store call or the source failed (it is retried). For logging; must not throw. */
  readonly onError?: ((error: unknown, where: SessionErrorWhere) => void) | undefined;
}

export interface SessionErrorWhere {
  readonly tenant: string;
  readonly consumer: string;
  readonly during: SessionErrorPlace;
}

export const wallClock: Clock = { now: () => Date.now(), sleep: systemClock.sleep };

/** What a lease holding needs of its session. */
export interface HoldingContext {
  readonly consumers: TenantConsumerStore;
  readonly events: SubscribableStore;
  readonly hub: ConsumerEventSource;
  readonly name: string;
  readonly maxInFlight: number;
  readonly clock: Clock;
  readonly timing: SessionTiming;
  readonly outlet: DeliveryOutlet;
  readonly wakeup: Wakeup;
  /** Aborts when the session is closing. */
  readonly stopping: AbortSignal;
  report(error: unknown, during: SessionErrorPlace): void;
}

export interface AcquiredLease {
  lease: HeldLease;
  consumer: ConsumerState;
}

/** What a sleeping loop waits on: a wake-up that may come before it sleeps, or a timeout. */
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.waiter?.();
  }

  async sleep(ms: number, clock: Clock): Promise<void> {
    if (!this.pending) {
      const timer = new AbortController();
      const woken = new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      await Promise.race([woken, clock.sleep(Math.max(0, ms), timer.signal)]);
      timer.abort();
      this.waiter = undefined;
    }
    this.pending = false;
  }
}

type Pull = (result: IteratorResult<ConsumerDelivery, undefined>) => void;

/** The client's pulls waiting for deliveries: only as many events are taken as are pulled. */
export class DeliveryOutlet {
  private readonly pulls: Pull[] = [];
  private ended = false;

  constructor(private readonly onPull: () => void) {}

  /** Pulls waiting now. */
  get demand(): number {
    return this.pulls.length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  pull(): Promise<IteratorResult<ConsumerDelivery, undefined>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.pulls.push(resolve);
      this.onPull();
    });
  }

  /** Hands deliveries to waiting pulls, one each (never more than `demand`). */
  hand(deliveries: readonly ConsumerDelivery[]): void {
    for (const delivery of deliveries) this.pulls.shift()?.({ done: false, value: delivery });
  }

  /** Every waiting and later pull is done. */
  end(): void {
    this.ended = true;
    for (const pull of this.pulls.splice(0)) pull({ done: true, value: undefined });
  }
}
