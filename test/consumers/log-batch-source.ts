// A stand-in for the hub's eventBatches in the session's unit tests: batches of a FakeLog's live
// events after `after`, at most maxSize each, a batch's checkpoint being the last position it
// covers; a pull waits while nothing new is in the log. It counts the pulls, so tests can see
// that the session pulls only when its ledger needs events.
import type { RecordedEvent } from '../../src/store/index.js';
import type { EventBatch, EventBatchesOptions } from '../../src/subscriptions/index.js';
import type { FakeLog } from '../subscriptions/fake-log.js';

export class LogBatchSource {
  readonly opened: EventBatchesOptions[] = [];
  readonly subscriptions: LogBatches[] = [];
  /** When set, the next subscription's first pull rejects with it. */
  failNextPull: Error | undefined;

  constructor(private readonly log: FakeLog) {
    log.onCommitted = () => {
      for (const subscription of this.subscriptions) subscription.wake();
    };
  }

  async eventBatches(
    _store: unknown,
    options: EventBatchesOptions,
  ): Promise<AsyncIterator<EventBatch, undefined>> {
    this.opened.push(options);
    const subscription = new LogBatches(this.log, options.after ?? this.log.head, options.maxSize ?? 100);
    subscription.failure = this.failNextPull;
    this.failNextPull = undefined;
    this.subscriptions.push(subscription);
    return subscription;
  }

  get pulls(): number {
    return this.subscriptions.reduce((sum, subscription) => sum + subscription.pulls, 0);
  }

  get openCount(): number {
    return this.subscriptions.filter((subscription) => !subscription.closed).length;
  }
}

class LogBatches implements AsyncIterator<EventBatch, undefined> {
  pulls = 0;
  closed = false;
  failure: Error | undefined;
  private waiting: (() => void) | undefined;

  constructor(
    private readonly log: FakeLog,
    private covered: number,
    private readonly maxSize: number,
  ) {}

  wake(): void {
    this.waiting?.();
  }

  async next(): Promise<IteratorResult<EventBatch, undefined>> {
    this.pulls += 1;
    if (this.failure) throw this.failure;
    while (!this.closed && this.log.head <= this.covered) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    if (this.closed) return { done: true, value: undefined };
    const events: RecordedEvent[] = [];
    let position = this.covered;
    while (position < this.log.head && events.length < this.maxSize) {
      position += 1;
      const entry = this.log.entries[position - 1]!;
      if (!entry.deleted) events.push(entry.event);
    }
    this.covered = position;
    return { done: false, value: { events, checkpoint: position, caughtUp: position === this.log.head } };
  }

  async return(): Promise<IteratorResult<EventBatch, undefined>> {
    this.closed = true;
    this.wake();
    return { done: true, value: undefined };
  }
}
