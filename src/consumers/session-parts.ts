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
  /**
   * The relay's session: it delivers a webhook consumer, and no other (a `consume` session ends on
   * one), through `nextBatch`; it takes acks and nacks only from its caller (the gateway's
   * ConsumerSessions does not route the API's to it).
   */
  readonly webhook?: boolean | undefined;
  /**
   * Replaces the consumer's ackTimeoutMs. The relay acks or parks every batch itself, after up to
   * maxAttempts tries and 60 s between them: the consumer's timeout must not fire meanwhile.
   */
  readonly ackTimeoutMs?: number | undefined;
  /** A store call or the source failed (it is retried). For logging; must not throw. */
  readonly onError?: ((error: unknown, where: SessionErrorWhere) => void) | undefined;
  /** Events this session parked (counted as they are handed to the store); must not throw. */
  readonly onParked?: ((count: number) => void) | undefined;
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
  /** Replaces the consumer's ackTimeoutMs when set. */
  readonly ackTimeoutMs: number | undefined;
  readonly clock: Clock;
  readonly timing: SessionTiming;
  readonly outlet: DeliveryOutlet;
  readonly wakeup: Wakeup;
  /** Aborts when the session is closing. */
  readonly stopping: AbortSignal;
  report(error: unknown, during: SessionErrorPlace): void;
  /** Events were parked (taken for writing); for metrics. */
  onParked?: ((count: number) => void) | undefined;
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

/** Deliveries handed together to one batch pull (the relay's). */
export interface DeliveryBatch {
  readonly deliveries: readonly ConsumerDelivery[];
  /**
   * Aborts once these deliveries are dropped: the lease lost, a reset or replay (what was in
   * flight is delivered again from the checkpoint), the session closing. Acks and nacks of them
   * are ignored from then on, so the relay stops sending the batch.
   */
  readonly dropped: AbortSignal;
}

interface Pull {
  /** Deliveries it takes at most: 1 for the iterator's pull. */
  readonly wants: number;
  give(deliveries: readonly ConsumerDelivery[], dropped: AbortSignal): void;
  end(): void;
}

/** The client's pulls waiting for deliveries: only as many events are taken as are pulled. */
export class DeliveryOutlet {
  private readonly pulls: Pull[] = [];
  private wanted = 0;
  private ended = false;

  constructor(private readonly onPull: () => void) {}

  /** Deliveries the waiting pulls take now. */
  get demand(): number {
    return this.wanted;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** One delivery: the iterator's `next()`. */
  pull(): Promise<IteratorResult<ConsumerDelivery, undefined>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.wait({
        wants: 1,
        give: ([delivery]) =>
          resolve(delivery ? { done: false, value: delivery } : { done: true, value: undefined }),
        end: () => resolve({ done: true, value: undefined }),
      });
    });
  }

  /** 1 to `max` deliveries, as many as are ready when the first is; null once ended. */
  pullBatch(max: number): Promise<DeliveryBatch | null> {
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.wait({
        wants: Math.max(1, Math.floor(max)),
        give: (deliveries, dropped) => resolve({ deliveries, dropped }),
        end: () => resolve(null),
      });
    });
  }

  /** Hands deliveries to waiting pulls in order, each up to what it wants (never more than `demand`). */
  hand(deliveries: readonly ConsumerDelivery[], dropped: AbortSignal): void {
    let start = 0;
    while (start < deliveries.length) {
      const pull = this.pulls.shift();
      if (!pull) return;
      this.wanted -= pull.wants;
      pull.give(deliveries.slice(start, start + pull.wants), dropped);
      start += pull.wants;
    }
  }

  /** Every waiting and later pull is done. */
  end(): void {
    this.ended = true;
    this.wanted = 0;
    for (const pull of this.pulls.splice(0)) pull.end();
  }

  private wait(pull: Pull): void {
    this.pulls.push(pull);
    this.wanted += pull.wants;
    this.onPull();
  }
}
