/**
 * One tenant's shared poller: it reads the tenant's log after the last position it has
 * covered and hands each new stretch of the log to `onBatch`, which fans it out to the
 * live subscriptions in memory. However many subscriptions a tenant has in this process,
 * there is one poller, so the reads it costs do not grow with them.
 *
 * It knows nothing of DynamoDB or of subscriptions: it gets a `read` function (the store's
 * consistent log read), a clock and an AbortSignal that stops it. It starts only once it
 * is given a position ({@link TenantPoller.start}), and until then reads nothing.
 *
 * It relies on `read` returning a contiguous prefix of positions (the store stops at the
 * first position it cannot see yet), so each batch continues exactly where the previous one
 * ended. `notify` tells it that a position was committed by this process: it reads at once
 * instead of waiting out its interval, and it keeps retrying soon (without backing off)
 * while that position is not readable yet.
 */
import type { RecordedEvent } from '../store/types.js';
import { nextPollDelay, type PollBackoffOptions, type PollOutcome } from './backoff.js';
import type { Clock } from './clock.js';

/** A stretch of the log: the events of positions `after` (exclusive) to `lastPosition`. */
export interface LogBatch {
  /** Exclusive start: the batch covers positions after it. */
  readonly after: number;
  /** The last position covered, tombstones and other non-returned positions included. */
  readonly lastPosition: number;
  /** The (live, non-deleted) events in that stretch, in position order. */
  readonly events: readonly RecordedEvent[];
}

/** What a log read returns: the events after `after`, the last position covered, whether more is readable. */
export interface LogChunk {
  readonly events: readonly RecordedEvent[];
  readonly lastPosition: number;
  readonly hasMore: boolean;
}

/** A consistent read of the log after `after` (exclusive), of at most `limit` events. */
/** Reads the log after `after`; `signal` stops a long read once its reader has gone. */
export type ReadLog = (after: number, limit: number, signal?: AbortSignal) => Promise<LogChunk>;

export interface TenantPollerOptions {
  read: ReadLog;
  clock: Clock;
  /** Aborting it stops the poller for good. */
  signal: AbortSignal;
  backoff: PollBackoffOptions;
  /** Events per read. */
  pageSize: number;
  /** Receives each new stretch of the log, in order, without gaps. Must not throw. */
  onBatch(batch: LogBatch): void;
  /** A read failed; the poller waits and retries. */
  onError?(error: unknown): void;
}

export class TenantPoller {
  private positionCovered: number | undefined;
  private highestNotified = 0;
  /** Incremented by each notify that announces a position the poller has not covered. */
  private wakeups = 0;
  private sleepController: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readCount = 0;
  private errorCount = 0;
  private lastDelay: number | undefined;

  constructor(private readonly options: TenantPollerOptions) {
    // Stopping interrupts the current sleep (one listener, rather than one per sleep).
    options.signal.addEventListener('abort', () => this.sleepController?.abort(), { once: true });
  }

  /** The last position delivered to `onBatch`; undefined until started. */
  get position(): number | undefined {
    return this.positionCovered;
  }

  /** The highest position announced by `notify`. */
  get knownHead(): number {
    return Math.max(this.highestNotified, this.positionCovered ?? 0);
  }

  get running(): boolean {
    return this.loop !== undefined && !this.options.signal.aborted;
  }

  /** Reads issued (failed ones included). */
  get reads(): number {
    return this.readCount;
  }

  get errors(): number {
    return this.errorCount;
  }

  /** The delay chosen after the last poll (ms); undefined before the first. */
  get currentDelayMs(): number | undefined {
    return this.lastDelay;
  }

  /** Starts polling the log after `position`. Only the first call has an effect. */
  start(position: number): void {
    if (this.loop !== undefined || this.options.signal.aborted) return;
    this.positionCovered = position;
    this.loop = this.run();
  }

  /** Resolves when the loop has ended (after the signal aborted), at once if never started. */
  async stopped(): Promise<void> {
    await this.loop;
  }

  /** A position was committed by this process: poll now if it is new to the poller. */
  notify(position: number): void {
    if (position > this.highestNotified) this.highestNotified = position;
    if (this.positionCovered !== undefined && position > this.positionCovered) {
      this.wakeups++;
      this.sleepController?.abort();
    }
  }

  private async run(): Promise<void> {
    const { signal, backoff } = this.options;
    while (!signal.aborted) {
      const outcome = await this.poll();
      if (outcome === undefined) break;
      const delay = nextPollDelay(this.lastDelay, outcome, backoff);
      this.lastDelay = delay;
      if (delay > 0) await this.sleep(delay);
    }
  }

  /** One read after the position, published; undefined when the poller stopped meanwhile. */
  private async poll(): Promise<PollOutcome | undefined> {
    const { read, signal, pageSize } = this.options;
    const before = this.positionCovered ?? 0;
    const wakeupsBefore = this.wakeups;
    try {
      this.readCount++;
      const chunk = await read(before, pageSize);
      if (signal.aborted) return undefined;
      return this.publish(before, chunk, wakeupsBefore);
    } catch (error) {
      if (signal.aborted) return undefined;
      this.errorCount++;
      this.options.onError?.(error);
      return 'error';
    }
  }

  /**
   * Hands a read's new stretch of the log (if any) to `onBatch` and says what the read found.
   * @param wakeupsBefore the wakeup count when the read started.
   */
  private publish(before: number, chunk: LogChunk, wakeupsBefore: number): PollOutcome {
    const progressed = chunk.lastPosition > before;
    if (progressed) {
      this.positionCovered = chunk.lastPosition;
      this.options.onBatch({ after: before, lastPosition: chunk.lastPosition, events: chunk.events });
    }
    if (progressed && chunk.hasMore) return 'more';
    if (this.highestNotified > chunk.lastPosition) {
      // A local commit announced a position this read did not reach. If the announcement came
      // while the read was in flight, the read may have started before the commit: read again
      // at once. Otherwise the position is committed but not readable yet: retry soon, never
      // skip it.
      return this.wakeups !== wakeupsBefore ? 'more' : 'behind';
    }
    return progressed ? 'events' : 'idle';
  }

  /** Sleeps until the delay ends, a notify announces a new position, or the poller stops. */
  private async sleep(ms: number): Promise<void> {
    if (this.options.signal.aborted) return;
    const controller = new AbortController();
    this.sleepController = controller;
    try {
      await this.options.clock.sleep(ms, controller.signal);
    } finally {
      this.sleepController = undefined;
    }
  }
}
