/**
 * One `consume` subscription's life, transport-free: an async iterator of deliveries
 * (`{ event, attempt }`) of one durable consumer, against the consumer store and the hub.
 *
 * It waits for the consumer's lease (one holder at a time across all gateways; a try every
 * second, at once when a session of this gateway releases it), then delivers while it holds it
 * (`lease-holding.ts`), and waits again if the lease is lost. It ends when the consumer is
 * deleted (or re-created: another consumer under the name), when the hub closes, and on
 * `return()` (the client unsubscribed) or `close()` (shutdown): it then saves the checkpoint,
 * releases the lease so that a waiting session takes over at once, and completes.
 *
 * Acks and nacks reach it through the gateway's {@link ConsumerSessions}: only on the gateway
 * that delivers. One sent to another gateway (e.g. over HTTP through a load balancer) is lost and
 * the event comes again after ackTimeoutMs: still at least once, but clients should acknowledge
 * on the connection that delivered (graphql-ws keeps one).
 *
 * Store failures never end it: they are reported through `onError` and retried.
 *
 * The webhook relay (src/outbox/relay.ts) runs one per webhook consumer with `webhook: true`: it
 * takes batches through `nextBatch` and acks or parks each itself (see ConsumeSessionOptions).
 */
import { randomUUID } from 'node:crypto';
import type { ConsumerLease, ConsumerState, HeldLease } from '../store/consumers/types.js';
import type { AckReceiver, ConsumerSessions, ConsumeSessionStats } from './consumer-sessions.js';
import { type HoldingEnd, LeaseHolding } from './lease-holding.js';
import type { ConsumerDelivery, NackAction } from './ledger.js';
import {
  type AcquiredLease,
  type ConsumeSessionOptions,
  type DeliveryBatch,
  DeliveryOutlet,
  defaultSessionTiming,
  type HoldingContext,
  type SessionErrorPlace,
  type SessionTiming,
  Wakeup,
  wallClock,
} from './session-parts.js';

export type ConsumeSessionState = 'idle' | 'waiting' | 'delivering' | 'ended';

/** What a waiting session does next: deliver under the lease, wait, or end (the consumer is gone). */
type AcquireStep = AcquiredLease | 'wait' | 'end';

/** A lease someone holds at `now` (an expired one may be taken). */
export class ConsumeSession implements AsyncIterableIterator<ConsumerDelivery, undefined>, AckReceiver {
  /** The lease owner id of this session. */
  readonly owner: string;
  /** The held lease this session last read, and since when (its clock) it has not changed. */
  private seenLease: { key: string; since: number } | null = null;
  private readonly sessions: ConsumerSessions;
  private readonly timing: SessionTiming;
  private readonly stopping = new AbortController();
  private readonly wakeup = new Wakeup();
  private readonly outlet = new DeliveryOutlet(() => this.wakeup.wake());
  private readonly context: HoldingContext;
  private incarnation: string | undefined;
  private holding: LeaseHolding | undefined;
  private running: Promise<void> | undefined;
  private ended = false;

  constructor(private readonly options: ConsumeSessionOptions) {
    this.owner = options.owner ?? randomUUID();
    this.sessions = options.sessions;
    this.incarnation = options.incarnation;
    this.timing = { ...defaultSessionTiming, ...options.timing };
    this.context = {
      consumers: options.consumers,
      events: options.events,
      hub: options.hub,
      name: options.name,
      maxInFlight: options.maxInFlight,
      ackTimeoutMs: options.ackTimeoutMs,
      clock: options.clock ?? wallClock,
      timing: this.timing,
      outlet: this.outlet,
      wakeup: this.wakeup,
      stopping: this.stopping.signal,
      report: (error, during) => this.report(error, during),
      onParked: options.onParked,
    };
  }

  get tenant(): string {
    return this.options.consumers.tenant;
  }

  /** For metrics: which consumer, whether this session holds its lease, and its progress. */
  get stats(): ConsumeSessionStats {
    const progress = this.holding?.progress ?? null;
    return {
      tenant: this.tenant,
      consumer: this.options.name,
      webhook: this.options.webhook === true,
      holding: progress !== null,
      checkpoint: progress?.checkpoint ?? null,
      inFlight: progress?.inFlight ?? 0,
    };
  }

  get state(): ConsumeSessionState {
    if (this.ended) return 'ended';
    if (this.holding) return 'delivering';
    return this.running ? 'waiting' : 'idle';
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next delivery; done once the session has ended. Starts the session on the first call. */
  next(): Promise<IteratorResult<ConsumerDelivery, undefined>> {
    this.start();
    return this.outlet.pull();
  }

  /**
   * The relay's pull: 1 to `max` deliveries, as many as are ready when the first one is (no
   * waiting to fill the batch); null once the session has ended. Starts the session.
   */
  nextBatch(max: number): Promise<DeliveryBatch | null> {
    this.start();
    return this.outlet.pullBatch(max);
  }

  /** The client is gone: saves the checkpoint, releases the lease, ends. */
  async return(): Promise<IteratorResult<ConsumerDelivery, undefined>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Shutdown (or the client gone): saves the checkpoint, releases the lease, ends. */
  async close(): Promise<void> {
    this.stopping.abort();
    this.outlet.end();
    this.wakeup.wake();
    if (!this.running) this.ended = true;
    await this.running;
  }

  ack(positions: readonly number[]): void {
    this.holding?.ack(positions);
  }

  get current(): ConsumerState | null {
    return this.holding?.current ?? null;
  }

  /** `failedAttempts`: what a PARK's record counts, when the caller retried by itself (the relay). */
  nack(
    positions: readonly number[],
    action: NackAction,
    reason: string | null,
    failedAttempts?: number,
  ): void {
    this.holding?.nack(positions, action, reason, failedAttempts);
  }

  private start(): void {
    if (this.running || this.stopping.signal.aborted) return;
    this.sessions.opened(this);
    this.running = this.run()
      .catch((error: unknown) => this.report(error, 'unexpected'))
      .finally(() => {
        this.ended = true;
        this.outlet.end();
        this.sessions.closed(this);
      });
  }

  private async run(): Promise<void> {
    const { clock } = this.context;
    while (!this.stopping.signal.aborted) {
      const acquired = await this.acquire();
      if (!acquired) return;
      const end = await this.hold(acquired);
      if (end === 'deleted' || end === 'ended') return;
      if (end === 'failed') await clock.sleep(this.timing.errorRetryMs, this.stopping.signal);
    }
  }

  /** Waits until it holds the lease; null when the session ends first (closing, or the consumer gone). */
  private async acquire(): Promise<AcquiredLease | null> {
    const { name, clock } = this.context;
    while (!this.stopping.signal.aborted) {
      try {
        const step = await this.tryAcquire();
        if (step === 'end') return null;
        if (step !== 'wait') return step;
      } catch (error) {
        this.report(error, 'acquire');
      }
      await this.sessions.leaseSignals.waitForRelease(
        this.tenant,
        name,
        this.timing.acquireRetryMs,
        clock,
        this.stopping.signal,
      );
    }
    return null;
  }

  /**
   * One read of the consumer, then a take when its lease is free, or when this session has seen
   * it unchanged (not renewed) for a whole lease period on its own clock. The take is a
   * compare-and-swap on the lease as read: no clock is compared with another gateway's, so a
   * gateway whose clock runs ahead cannot take a live lease, and one whose clock runs behind does
   * not wait longer for a dead holder's.
   */
  private async tryAcquire(): Promise<AcquireStep> {
    const { consumers, name, clock } = this.context;
    const consumer = await consumers.get(name);
    if (!consumer || this.isOtherConsumer(consumer)) return 'end';
    const lease = consumer.lease;
    if (lease !== null && !this.unchangedForAWholeLease(lease, clock.now())) return 'wait';
    const taken = await consumers.takeLease(name, this.owner, this.timing.leaseTtlMs, lease, clock.now());
    if (taken && !this.isOtherConsumer(taken.consumer)) return taken;
    if (taken) {
      await this.release(taken.lease);
      return 'end';
    }
    // Changed since the read (a rival took it, its holder renewed it, or the consumer went): the next read tells.
    return 'wait';
  }

  private unchangedForAWholeLease(lease: ConsumerLease, now: number): boolean {
    const key = `${lease.owner}/${lease.epoch}/${lease.expiresAt}`;
    if (this.seenLease?.key !== key) {
      this.seenLease = { key, since: now };
      return false;
    }
    return now - this.seenLease.since >= this.timing.leaseTtlMs;
  }

  private async hold(acquired: AcquiredLease): Promise<HoldingEnd> {
    const holding = new LeaseHolding(this.context, acquired, (consumer) => this.isOtherConsumer(consumer));
    this.holding = holding;
    // The relay acks its own batches: the API's acks must not reach a webhook consumer's ledger.
    if (!this.options.webhook) this.sessions.activate(this.tenant, this.options.name, this);
    let end: HoldingEnd;
    try {
      end = await holding.run();
    } finally {
      this.sessions.deactivate(this.tenant, this.options.name, this);
      this.holding = undefined;
    }
    // A lost lease is someone else's now; a deleted consumer has none.
    if (end !== 'lost' && end !== 'deleted') await this.release(holding.lease);
    return end;
  }

  private async release(lease: HeldLease): Promise<void> {
    try {
      await this.options.consumers.releaseLease(lease);
    } catch (error) {
      // It expires by itself within the lease's time to live.
      this.report(error, 'release');
    }
    this.sessions.leaseSignals.released(this.tenant, this.options.name);
  }

  /**
   * The first consumer seen under the name is the one delivered; any other (deleted and created
   * again) ends the session. A webhook consumer is delivered only by the relay's sessions
   * (`webhook: true`), and only webhook consumers are.
   */
  private isOtherConsumer(consumer: ConsumerState): boolean {
    this.incarnation ??= consumer.incarnation;
    const wantsWebhook = this.options.webhook === true;
    return consumer.incarnation !== this.incarnation || (consumer.webhook !== null) !== wantsWebhook;
  }

  private report(error: unknown, during: SessionErrorPlace): void {
    try {
      this.options.onError?.(error, { tenant: this.tenant, consumer: this.options.name, during });
    } catch {
      // Reporting must not end delivery.
    }
  }
}
