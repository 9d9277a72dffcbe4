/**
 * One stretch of a consume session during which it holds the consumer's lease: it loads where
 * delivery starts (checkpoint, parked positions to skip, replays), follows the hub's batches
 * (the tenant's shared poller: no DynamoDB reads of its own while live), hands the ledger's
 * deliveries to the client's pulls, renews the lease, and writes parked events, finished replays
 * and the checkpoint. A generation that moved (a reset or replay, by any gateway) drops what is
 * in flight and loads again under the same lease.
 */
import type { ConsumerState, HeldLease } from '../store/consumers/types.js';
import { batchLimits, type EventBatch, SubscriptionHubClosedError } from '../subscriptions/index.js';
import { CheckpointWriter, type WriteMode } from './checkpoint-writer.js';
import { ConsumerLedger, type NackAction } from './ledger.js';
import { readReplayedEvents } from './replayed-events.js';
import type { AcquiredLease, HoldingContext } from './session-parts.js';

/**
 * How a holding ended. stopped: the session is closing; lost: the lease is no longer ours;
 * deleted: the consumer is gone (or another under its name); ended: the hub closed the source;
 * failed: loading or the source failed (the session releases the lease and tries again).
 */
export type HoldingEnd = 'stopped' | 'lost' | 'deleted' | 'ended' | 'failed';
type DeliveryEnd = HoldingEnd | 'reload';

interface Pull {
  settled: boolean;
  failed: boolean;
  result?: IteratorResult<EventBatch, undefined>;
  error?: unknown;
}

export class LeaseHolding {
  private heldLease: HeldLease;
  private consumer: ConsumerState;
  private ledger: ConsumerLedger | undefined;
  private writer: CheckpointWriter | undefined;
  private source: AsyncIterator<EventBatch, undefined> | undefined;
  private pull: Pull | undefined;
  /** Aborted when the ledger is dropped: what it handed out no longer counts (DeliveryBatch.dropped). */
  private handed: AbortController | undefined;
  private renewAt: number;

  constructor(
    private readonly context: HoldingContext,
    acquired: AcquiredLease,
    /** True for a consumer that is not the one the session delivers (re-created under its name). */
    private readonly isOtherConsumer: (consumer: ConsumerState) => boolean,
  ) {
    this.heldLease = acquired.lease;
    this.consumer = acquired.consumer;
    this.renewAt = context.clock.now() + context.timing.renewEveryMs;
  }

  get lease(): HeldLease {
    return this.heldLease;
  }

  /** The consumer as of the last load or renewal, with the ledger's checkpoint (saved within a second). */
  get current(): ConsumerState {
    const checkpoint = this.ledger?.checkpoint() ?? this.consumer.checkpoint;
    return { ...this.consumer, checkpoint: Math.max(checkpoint, this.consumer.checkpoint) };
  }

  /** Where delivery stands (for metrics): the ledger's checkpoint and what is in flight. */
  get progress(): { checkpoint: number; inFlight: number } {
    return {
      checkpoint: this.ledger?.checkpoint() ?? this.consumer.checkpoint,
      inFlight: this.ledger?.outstandingCount ?? 0,
    };
  }

  ack(positions: readonly number[]): void {
    this.ledger?.ack(positions);
    this.context.wakeup.wake();
  }

  nack(
    positions: readonly number[],
    action: NackAction,
    reason: string | null,
    failedAttempts?: number,
  ): void {
    this.ledger?.nack(positions, action, reason, this.context.clock.now(), failedAttempts);
    this.context.wakeup.wake();
  }

  async run(): Promise<HoldingEnd> {
    for (;;) {
      const unloaded = await this.load();
      if (unloaded) return unloaded;
      const end = await this.deliver();
      await this.closeSource();
      await this.settle(end);
      if (end !== 'reload') return end;
    }
  }

  /** Reads where delivery starts and opens the source; an end when it cannot start. */
  private async load(): Promise<HoldingEnd | undefined> {
    const { consumers, events, hub, name, maxInFlight, timing } = this.context;
    const { checkpoint, filter, maxAttempts } = this.consumer;
    const ackTimeoutMs = this.context.ackTimeoutMs ?? this.consumer.ackTimeoutMs;
    try {
      const skip = await consumers.parkedPositionsAfter(name, checkpoint);
      const replayed = await readReplayedEvents(events, await consumers.replayingPositions(name));
      const ledger = new ConsumerLedger({ checkpoint, maxInFlight, maxAttempts, ackTimeoutMs, skip });
      ledger.replay(replayed.found);
      const writer = new CheckpointWriter(
        consumers,
        checkpoint,
        timing.checkpointEveryMs,
        timing.errorRetryMs,
      );
      writer.finishReplays(replayed.gone);
      // maxWaitMs 0: a batch comes as soon as anything is buffered; the ledger paces the pulls.
      const maxSize = Math.min(maxInFlight, batchLimits.maxSize);
      // skippedProgress: the checkpoint moves past events the filter skips, up to the head.
      this.source = await hub.eventBatches(events, {
        after: checkpoint,
        filter,
        maxSize,
        maxWaitMs: 0,
        skippedProgress: true,
      });
      this.ledger = ledger;
      this.writer = writer;
      this.handed = new AbortController();
      return undefined;
    } catch (error) {
      if (error instanceof SubscriptionHubClosedError) return 'ended';
      this.context.report(error, 'load');
      return 'failed';
    }
  }

  private async deliver(): Promise<DeliveryEnd> {
    const { clock, stopping, wakeup, outlet } = this.context;
    const ledger = this.ledger!;
    const handed = this.handed!.signal;
    for (;;) {
      if (stopping.aborted) return 'stopped';
      const kept = await this.keepLease();
      if (kept !== 'held') return kept;
      const arrived = this.takeArrival(ledger);
      if (arrived) return arrived;
      const now = clock.now();
      ledger.expire(now);
      outlet.hand(ledger.take(now, outlet.demand), handed);
      // A refused write means the lease was lost or the generation moved: renewing tells which.
      if (!(await this.writeDue('paced'))) this.renewAt = now;
      this.pullIfNeeded(ledger);
      const sleepFrom = clock.now();
      await wakeup.sleep(this.wakeAt(ledger, sleepFrom) - sleepFrom, clock);
    }
  }

  /**
   * Renews when due, and at once when the lease would expire before the next renewal by the
   * clock as it is now: a slow acquisition or renewal (a stalled connection, the SDK's retries)
   * may have used up most of a lease whose expiry was computed when the call was sent. 'held'
   * means delivering is safe until the next renewal. A second slow renewal in a row gives up.
   */
  private async keepLease(): Promise<'held' | 'lost' | 'deleted' | 'reload'> {
    const { clock } = this.context;
    for (let renewals = 0; renewals < 2; renewals++) {
      const now = clock.now();
      if (now < this.renewAt && !this.expiresBeforeNextRenewal(now)) return 'held';
      const step = await this.renew(now);
      if (step !== 'renewed') return step;
    }
    return this.expiresBeforeNextRenewal(clock.now()) ? 'lost' : 'held';
  }

  /** Another session may take the lease before this one renews it next. */
  private expiresBeforeNextRenewal(now: number): boolean {
    return now + this.context.timing.renewEveryMs >= this.heldLease.expiresAt;
  }

  private async renew(now: number): Promise<'renewed' | 'held' | 'lost' | 'deleted' | 'reload'> {
    const { clock, consumers, timing } = this.context;
    let renewed: AcquiredLease | null;
    try {
      renewed = await consumers.renewLease(this.heldLease, timing.leaseTtlMs, now);
    } catch (error) {
      this.context.report(error, 'renew');
      // Judged when the failure came back, not when the call was sent: it may have hung long.
      const failedAt = clock.now();
      this.renewAt = failedAt + timing.errorRetryMs;
      // Unrenewed, stop before the lease expires: another session may take it from then on.
      return this.expiresBeforeNextRenewal(failedAt) ? 'lost' : 'held';
    }
    if (!renewed) return (await this.consumerGone()) ? 'deleted' : 'lost';
    this.heldLease = renewed.lease;
    this.renewAt = now + timing.renewEveryMs;
    if (renewed.consumer.generation === this.consumer.generation) return 'renewed';
    this.consumer = renewed.consumer;
    return 'reload';
  }

  private async consumerGone(): Promise<boolean> {
    try {
      const consumer = await this.context.consumers.get(this.context.name);
      return consumer === null || this.isOtherConsumer(consumer);
    } catch (error) {
      // Taken as lost: waiting for the lease again finds out whether the consumer is gone.
      this.context.report(error, 'renew');
      return false;
    }
  }

  /** Offers a batch that arrived; an end when the source ended or failed. */
  private takeArrival(ledger: ConsumerLedger): HoldingEnd | undefined {
    const pull = this.pull;
    if (!pull?.settled) return undefined;
    this.pull = undefined;
    if (pull.failed) {
      this.context.report(pull.error, 'source');
      return 'failed';
    }
    if (!pull.result || pull.result.done) return 'ended';
    ledger.offer(pull.result.value.events, pull.result.value.checkpoint);
    return undefined;
  }

  private pullIfNeeded(ledger: ConsumerLedger): void {
    const source = this.source;
    if (this.pull || !source || !ledger.needsEvents()) return;
    const pull: Pull = { settled: false, failed: false };
    this.pull = pull;
    source.next().then(
      (result) => {
        pull.result = result;
        pull.settled = true;
        this.context.wakeup.wake();
      },
      (error: unknown) => {
        pull.error = error;
        pull.failed = true;
        pull.settled = true;
        this.context.wakeup.wake();
      },
    );
  }

  /**
   * The next time something is due. Times already past are not waited for: a redelivery due now
   * that was not handed out waits for the client's next pull, which wakes the loop anyway.
   */
  private wakeAt(ledger: ConsumerLedger, now: number): number {
    let earliest = this.renewAt;
    for (const at of [ledger.nextWakeAt(), this.writer?.dueAt()]) {
      if (at !== null && at !== undefined && at > now && at < earliest) earliest = at;
    }
    return earliest;
  }

  /** False when the store refused a write (lease lost or generation moved); failures are reported. */
  private async writeDue(mode: WriteMode): Promise<boolean> {
    const { ledger, writer } = this;
    if (!ledger || !writer) return true;
    const parked = writer.collect(ledger);
    if (parked > 0) this.context.onParked?.(parked);
    try {
      const now = this.context.clock.now();
      return (await writer.write(this.heldLease, this.consumer.generation, now, mode)) === 'ok';
    } catch (error) {
      this.context.report(error, 'write');
      return true;
    }
  }

  private async closeSource(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    this.pull = undefined;
    try {
      await source?.return?.();
    } catch (error) {
      this.context.report(error, 'source');
    }
  }

  /** After delivery: the last writes that still may be made, then what was in flight is dropped. */
  private async settle(end: DeliveryEnd): Promise<void> {
    // Parked records decided before a reset still stand; its checkpoint must not be overwritten.
    if (end === 'reload') await this.writeDue('records');
    else if (end === 'stopped' || end === 'ended' || end === 'failed') await this.writeDue('final');
    this.ledger = undefined;
    this.writer = undefined;
    this.handed?.abort();
    this.handed = undefined;
  }
}
