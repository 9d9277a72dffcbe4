/**
 * One subscription's state: a bounded buffer of matching events, the position up to which
 * the log has been looked at for it, and whether it reads history itself ("catching up")
 * or is fed by its tenant's shared poller ("live").
 *
 * The one number that makes it exactly-once is `covered`: every event at a position up to
 * `covered` that the subscription wants is in its buffer or already taken by the consumer,
 * and no event after it is. Everything else follows from keeping that true:
 *
 * - Catching up, it reads the history after `covered` in pages (at most what fits in the
 *   buffer) and advances `covered` to the last position each read covered.
 * - It joins the shared feed when `covered` has reached the poller's position. The check
 *   and the join are one synchronous step, and the poller publishes each batch (from its
 *   previous position) in one synchronous step too, so the first batch a subscription gets
 *   starts at or before `covered`: no gap. Events at or before `covered` are skipped: no
 *   duplicate. A poller that has not started yet is started at the joining subscription's
 *   `covered`, which is then at the head of the log.
 * - Live, a batch that does not fit in the buffer is cut at the first event that does not
 *   fit: `covered` stops just before it, the subscription leaves the feed and catches up
 *   again from there once the consumer has made room. Memory stays bounded, nothing is lost.
 *
 * The consumer side (`subscription-buffer.ts`) takes events one at a time or in batches; a
 * batch's checkpoint is the last position it covers, past non-matching events and tombstones.
 */
import { isEventStoreError } from '../store/errors.js';
import type { RecordedEvent } from '../store/types.js';
import type { PollBackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';
import type { EventBatch } from './hub-types.js';
import { retryDelay } from './patient-read.js';
import { SubscriptionBuffer } from './subscription-buffer.js';
import type { LogBatch, LogChunk, ReadLog } from './tenant-poller.js';

/** What a subscription needs from its tenant's shared feed. */
export interface SharedFeed {
  /** The shared poller's position; undefined while it has not started. */
  readonly position: number | undefined;
  /**
   * From now on `receive` gets every batch the poller publishes. Starts the poller at the
   * subscription's covered position if it has not started.
   */
  join(subscription: LogSubscription): void;
  leave(subscription: LogSubscription): void;
  /** The subscription has ended for good. */
  remove(subscription: LogSubscription): void;
}

export interface LogSubscriptionOptions {
  feed: SharedFeed;
  /**
   * Reads the history after `after` (exclusive): at most `limit` events, the last position
   * covered, and whether more is readable now. May pre-filter; `matches` is applied anyway.
   */
  readHistory: ReadLog;
  /** Which events this subscription delivers. */
  matches: (event: RecordedEvent) => boolean;
  /** Most events buffered at once. */
  capacity: number;
  /** Most events per history read. */
  pageSize: number;
  clock: Clock;
  /** Pace of retries after a failed history read. */
  backoff: PollBackoffOptions;
  /** Called before each history read (for the read counters). */
  onRead?(): void;
  /** A history read failed and will be retried. */
  onError?(error: unknown): void;
  /** The buffer overflowed; the subscription went back to catching up. */
  onOverflow?(): void;
}

export type SubscriptionState = 'starting' | 'catching-up' | 'live' | 'closed';

export class LogSubscription {
  private covered = 0;
  private atHead = false;
  private stateValue: SubscriptionState = 'starting';
  private readonly buffer: SubscriptionBuffer;
  private readonly closing = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: LogSubscriptionOptions) {
    this.buffer = new SubscriptionBuffer(options.capacity, options.clock, () => this.covered);
  }

  get state(): SubscriptionState {
    return this.stateValue;
  }

  /** Every wanted event up to this position is buffered or taken. */
  get coveredPosition(): number {
    return this.covered;
  }

  /** The consumer has received everything it wants up to this position. */
  get consumedPosition(): number {
    return this.buffer.consumedPosition;
  }

  get bufferedCount(): number {
    return this.buffer.size;
  }

  /**
   * Starts delivery after `after` (exclusive).
   * @param atHead `after` is known to be the head of the log (no history to read).
   */
  begin(after: number, atHead: boolean): void {
    if (this.stateValue !== 'starting') return;
    this.covered = after;
    this.buffer.startAt(after);
    this.atHead = atHead;
    this.stateValue = 'catching-up';
    this.loop = this.catchUp();
  }

  /** Ends the subscription: a waiting consumer gets the end, the buffer is released. */
  close(): void {
    this.end(undefined);
  }

  /** Ends the subscription with an error that the consumer receives. */
  fail(error: unknown): void {
    this.end({ error });
  }

  /** Resolves when no history read is running any more (after close, or once live). */
  async settled(): Promise<void> {
    let loop: Promise<void> | undefined;
    while (loop !== this.loop) {
      loop = this.loop;
      await loop;
    }
  }

  /** A batch from the shared poller (only while live). */
  receive(batch: LogBatch): void {
    if (this.stateValue !== 'live') return;
    if (batch.after > this.covered) {
      // Cannot happen while the feed publishes every batch to every member; if it ever
      // does, read the missing stretch rather than skip it.
      this.backToCatchUp();
      return;
    }
    const fitted = this.accept(batch.events, batch.lastPosition);
    if (!fitted) {
      this.options.onOverflow?.();
      this.backToCatchUp();
    }
  }

  /** The next event; undefined once the subscription has ended. Rejects if it failed. */
  nextEvent(): Promise<RecordedEvent | undefined> {
    return this.buffer.nextEvent();
  }

  /**
   * The next batch: as soon as `maxSize` events are buffered, or `maxWaitMs` after the first
   * of them arrived. Undefined once the subscription has ended. Rejects if it failed.
   */
  nextBatch(maxSize: number, maxWaitMs: number, skippedProgress = false): Promise<EventBatch | undefined> {
    return this.buffer.nextBatch(maxSize, maxWaitMs, skippedProgress);
  }

  private end(failure: { error: unknown } | undefined): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.buffer.end(failure);
    this.closing.abort();
    this.options.feed.remove(this);
  }

  /**
   * Buffers the wanted events of a stretch of the log that ends at `lastPosition`.
   * Returns false when the buffer filled up: `covered` then ends just before the first
   * event that did not fit.
   */
  private accept(events: readonly RecordedEvent[], lastPosition: number): boolean {
    const room = this.buffer.room;
    const fitting: RecordedEvent[] = [];
    let fitted = true;
    for (const event of events) {
      if (event.position <= this.covered) continue;
      if (!this.options.matches(event)) continue;
      if (fitting.length >= room) {
        this.covered = event.position - 1;
        fitted = false;
        break;
      }
      fitting.push(event);
    }
    if (fitted && lastPosition > this.covered) this.covered = lastPosition;
    // Without pending events, the consumer is up to date with everything covered.
    if (fitting.length === 0 && this.buffer.size === 0) this.buffer.consumedUpTo(this.covered);
    this.buffer.add(fitting);
    return fitted;
  }

  private backToCatchUp(): void {
    this.options.feed.leave(this);
    this.stateValue = 'catching-up';
    this.atHead = false;
    this.buffer.fellBehind();
    this.loop = this.catchUp();
  }

  /** Joins the shared feed if nothing is left to read alone. Synchronous on purpose. */
  private tryJoin(): boolean {
    const pollerPosition = this.options.feed.position;
    const canJoin = pollerPosition === undefined ? this.atHead : this.covered >= pollerPosition;
    if (!canJoin) return false;
    this.stateValue = 'live';
    this.buffer.wentLive(this.covered);
    this.options.feed.join(this);
    return true;
  }

  /** Reads the history after `covered` until it can join the live feed (or has ended). */
  private async catchUp(): Promise<void> {
    const { pageSize, capacity } = this.options;
    // Read when at least this much fits, rather than trickle one event per read.
    const minRoom = Math.max(1, Math.min(pageSize, Math.ceil(capacity / 2)));
    let errorDelay: number | undefined;
    while (this.stateValue === 'catching-up') {
      if (this.tryJoin()) return;
      const room = this.buffer.room;
      if (room < minRoom) await this.buffer.roomMadeOnce();
      else errorDelay = await this.readHistory(Math.min(room, pageSize), errorDelay);
    }
  }

  /**
   * One history read after `covered`, its wanted events buffered. Returns the wait after a
   * failed read (the next failure waits longer), undefined after one that succeeded.
   */
  private async readHistory(limit: number, errorDelay: number | undefined): Promise<number | undefined> {
    const { clock, backoff } = this.options;
    const after = this.covered;
    let page: LogChunk;
    try {
      this.options.onRead?.();
      page = await this.options.readHistory(after, limit, this.closing.signal);
    } catch (error) {
      return this.readFailed(error, errorDelay);
    }
    if (this.stateValue !== 'catching-up') return undefined;
    this.accept(page.events, page.lastPosition);
    this.atHead = !page.hasMore;
    if (this.atHead) this.buffer.wentLive(this.covered);
    const pollerPosition = this.options.feed.position;
    if (page.lastPosition <= after && pollerPosition !== undefined && this.covered < pollerPosition) {
      // The poller has seen positions this read could not: wait for them to become
      // readable rather than spin.
      await clock.sleep(backoff.activeIntervalMs, this.closing.signal);
    }
    return undefined;
  }

  /** A failed history read: the subscription fails (a non-retryable error) or waits to retry. */
  private async readFailed(error: unknown, previousDelay: number | undefined): Promise<number | undefined> {
    if (this.stateValue !== 'catching-up') return undefined;
    if (isEventStoreError(error) && !error.retryable) {
      this.fail(error);
      return undefined;
    }
    this.options.onError?.(error);
    const delay = retryDelay(previousDelay, error, this.options.backoff);
    await this.options.clock.sleep(delay, this.closing.signal);
    return delay;
  }
}
