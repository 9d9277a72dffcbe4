/**
 * A subscription's bounded buffer and its consumer's side: the wanted events waiting to be
 * taken, when each arrived (for the batches' time limit), and the takers, one event at a time
 * or in batches. The producer side (`log-subscription.ts`) adds what fits, waits for room, and
 * ends it (with a failure the consumer receives, or without).
 *
 * A batch's checkpoint is the last position it covers: the position before the next buffered
 * event, or the producer's covered position when none is left, so it advances past events the
 * filter skipped and past tombstones.
 *
 * A reader that asks for skipped progress (durable consumers: their checkpoint must follow the
 * log even when their filter selects nothing) also gets an empty batch whenever the covered
 * position moved on while nothing is buffered.
 *
 * A batch is `caughtUp` when the producer is live and the batch covers the head it read when it
 * went live. Once live, the consumer gets such a batch within maxWaitMs, an empty one if there
 * is nothing to deliver; falling behind (back to reading history) clears it until live again.
 */
import type { RecordedEvent } from '../store/types.js';
import type { Clock } from './clock.js';
import type { EventBatch } from './hub-types.js';

export class SubscriptionBuffer {
  private readonly events: RecordedEvent[] = [];
  /** clock.now() when each buffered event arrived, for the batches' time limit. */
  private readonly arrivals: number[] = [];
  private consumed = 0;
  /** The last checkpoint handed to the consumer, or where it started. */
  private told = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private readonly changed = new Notifier();
  private readonly roomMade = new Notifier();
  /** While the producer is live: the head it had covered on going live, when, and whether told. */
  private live: { from: number; since: number; announced: boolean } | undefined;

  constructor(
    /** Most events buffered at once. */
    readonly capacity: number,
    private readonly clock: Clock,
    /** The producer's covered position: every wanted event up to it is buffered or taken. */
    private readonly covered: () => number,
  ) {}

  get size(): number {
    return this.events.length;
  }

  /** Events that still fit. */
  get room(): number {
    return this.capacity - this.events.length;
  }

  /** The consumer has received everything it wants up to this position. */
  get consumedPosition(): number {
    return this.consumed;
  }

  /** Delivery starts after `position`. */
  startAt(position: number): void {
    this.consumed = position;
    this.told = position;
  }

  /** The consumer is up to date up to `position` (nothing is buffered before it). */
  consumedUpTo(position: number): void {
    this.consumed = position;
    // The log moved past skipped events: a reader of skipped progress gets an empty batch.
    this.changed.notify();
  }

  /** The producer reached `head` (the head it read): every wanted event up to it is buffered or taken. */
  wentLive(head: number): void {
    if (this.live) return;
    this.live = { from: head, since: this.clock.now(), announced: false };
    this.changed.notify();
  }

  /** The producer fell behind: it reads history again. */
  fellBehind(): void {
    this.live = undefined;
  }

  /** Buffers events that fit (the producer made sure they do) and wakes a waiting consumer. */
  add(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    const now = this.clock.now();
    for (const event of events) {
      this.events.push(event);
      this.arrivals.push(now);
    }
    this.changed.notify();
  }

  /** Resolves once the consumer has taken events (or the buffer ended). */
  roomMadeOnce(): Promise<void> {
    return this.roomMade.wait();
  }

  /** Ends it: the events are released, a waiting consumer gets the end, or `failure` once. */
  end(failure?: { error: unknown }): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.events.length = 0;
    this.arrivals.length = 0;
    this.changed.notify();
    this.roomMade.notify();
  }

  /** The next event; undefined once the subscription has ended. Rejects if it failed. */
  async nextEvent(): Promise<RecordedEvent | undefined> {
    for (;;) {
      this.throwIfFailed();
      if (this.ended) return undefined;
      if (this.events.length > 0) return this.take(1).events[0];
      await this.changed.wait();
    }
  }

  /**
   * The next batch: as soon as `maxSize` events are buffered, or `maxWaitMs` after the first
   * of them arrived (or after the producer went live, until a caught-up batch was taken: then
   * possibly empty). With `skippedProgress`, also an empty batch as soon as the covered
   * position passed the last checkpoint handed out while nothing is buffered. Undefined once
   * the subscription has ended. Rejects if it failed.
   */
  async nextBatch(
    maxSize: number,
    maxWaitMs: number,
    skippedProgress = false,
  ): Promise<EventBatch | undefined> {
    const enough = Math.min(maxSize, this.capacity);
    for (;;) {
      this.throwIfFailed();
      if (this.ended) return undefined;
      const start = this.batchStart();
      if (start === undefined) {
        if (skippedProgress && this.covered() > this.told) return this.take(maxSize);
        await this.changed.wait();
        continue;
      }
      const waitMs = start + maxWaitMs - this.clock.now();
      if (this.events.length >= enough || waitMs <= 0) return this.take(maxSize);
      const timeout = new AbortController();
      await Promise.race([this.changed.wait(timeout.signal), this.clock.sleep(waitMs, timeout.signal)]);
      timeout.abort();
    }
  }

  /** When the next batch's wait began: its first event's arrival, or going live if not yet told. */
  private batchStart(): number | undefined {
    const first = this.arrivals[0];
    const live = this.live;
    const pending = live && !live.announced ? live.since : undefined;
    if (first === undefined) return pending;
    return pending === undefined ? first : Math.min(first, pending);
  }

  /** Hands the failure to the consumer once; after that the subscription is simply done. */
  private throwIfFailed(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = undefined;
    throw failure.error;
  }

  private take(count: number): EventBatch {
    const events = this.events.splice(0, count);
    this.arrivals.splice(0, count);
    const next = this.events[0];
    const checkpoint = next ? next.position - 1 : this.covered();
    this.consumed = checkpoint;
    this.told = checkpoint;
    this.roomMade.notify();
    const live = this.live;
    const caughtUp = live !== undefined && checkpoint >= live.from;
    if (live && caughtUp) live.announced = true;
    return { events, checkpoint, caughtUp };
  }
}

/** Wakes everyone waiting; a waiter whose signal aborts stops waiting. */
class Notifier {
  private waiters = new Set<() => void>();

  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  notify(): void {
    for (const done of [...this.waiters]) done();
  }
}
