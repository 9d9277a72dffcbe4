import { describe, expect, test } from 'vitest';
import type { RecordedEvent } from '../../src/store/types.js';
import type { PollBackoffOptions } from '../../src/subscriptions/backoff.js';
import type { Clock } from '../../src/subscriptions/clock.js';
import { type LogBatch, type LogChunk, TenantPoller } from '../../src/subscriptions/tenant-poller.js';
import { until } from '../support/until.js';

const backoff: PollBackoffOptions = { activeIntervalMs: 50, maxIntervalMs: 400, growthFactor: 2 };

interface Sleep {
  ms: number;
  woken: boolean;
  end(): void;
}

/** A clock whose sleeps last until the test ends them (or they are aborted). */
class ScriptedClock implements Clock {
  readonly sleeps: Sleep[] = [];
  now(): number {
    return 0;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const sleep: Sleep = { ms, woken: false, end: resolve };
      this.sleeps.push(sleep);
      signal?.addEventListener('abort', () => {
        sleep.woken = true;
        resolve();
      });
    });
  }
  /** The delays asked for so far. */
  get delays(): number[] {
    return this.sleeps.map((sleep) => sleep.ms);
  }
  last(): Sleep {
    const sleep = this.sleeps.at(-1);
    if (!sleep) throw new Error('no sleep yet');
    return sleep;
  }
}

function event(position: number): RecordedEvent {
  return {
    id: `e${position}`,
    type: 'T',
    data: null,
    metadata: {},
    stream: { id: 's', category: null },
    streamName: null,
    version: position,
    position,
    recordedAt: new Date(0),
    streamIncarnation: 1,
  };
}

/** A log of `length` positions of which the first `readable` can be read. */
class Log {
  readable: number;
  reads: Array<{ after: number; limit: number }> = [];
  failNext: Error | undefined;
  hold: Promise<void> | undefined;
  constructor(public length: number) {
    this.readable = length;
  }
  read = async (after: number, limit: number): Promise<LogChunk> => {
    this.reads.push({ after, limit });
    const failure = this.failNext;
    this.failNext = undefined;
    // The answer is what the log held when the read started, however long it takes to arrive.
    const end = Math.min(this.readable, after + limit);
    const hasMore = end < this.readable;
    await this.hold;
    if (failure) throw failure;
    const events: RecordedEvent[] = [];
    for (let p = after + 1; p <= end; p++) events.push(event(p));
    return { events, lastPosition: Math.max(after, end), hasMore };
  };
}

function setup(length: number, pageSize = 100) {
  const log = new Log(length);
  const clock = new ScriptedClock();
  const controller = new AbortController();
  const batches: LogBatch[] = [];
  const errors: unknown[] = [];
  const poller = new TenantPoller({
    read: log.read,
    clock,
    signal: controller.signal,
    backoff,
    pageSize,
    onBatch: (batch) => batches.push(batch),
    onError: (error) => errors.push(error),
  });
  return { log, clock, controller, batches, errors, poller };
}

describe('TenantPoller', () => {
  test('reads nothing until started, then reads after the start position', async () => {
    const { log, clock, batches, poller } = setup(5);
    poller.notify(5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.reads).toEqual([]);
    expect(poller.position).toBeUndefined();

    poller.start(2);
    await until(() => clock.sleeps.length === 1, 'first sleep');
    expect(log.reads).toEqual([{ after: 2, limit: 100 }]);
    expect(batches).toEqual([{ after: 2, lastPosition: 5, events: [event(3), event(4), event(5)] }]);
    expect(poller.position).toBe(5);
    expect(clock.delays).toEqual([50]);
  });

  test('publishes contiguous batches, reading full pages back to back, then backs off while idle', async () => {
    const { log, clock, batches, poller } = setup(5, 2);
    poller.start(0);
    await until(() => clock.sleeps.length === 1, 'first sleep');
    expect(log.reads.map((r) => r.after)).toEqual([0, 2, 4]);
    expect(batches.map((b) => [b.after, b.lastPosition])).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    expect(clock.delays).toEqual([50]);

    for (let i = 2; i <= 5; i++) {
      clock.last().end();
      await until(() => clock.sleeps.length === i, `sleep ${i}`);
    }
    expect(clock.delays).toEqual([50, 100, 200, 400, 400]);
    expect(batches).toHaveLength(3);

    // Events flow again: back to the active interval.
    log.length = log.readable = 7;
    clock.last().end();
    await until(() => clock.sleeps.length === 6, 'sleep after events');
    expect(clock.delays.at(-1)).toBe(50);
    expect(batches.at(-1)).toMatchObject({ after: 5, lastPosition: 7 });
  });

  test('a notify for a new position wakes it at once; one for a covered position does not', async () => {
    const { log, clock, poller } = setup(3);
    poller.start(0);
    await until(() => clock.sleeps.length === 1);
    poller.notify(3);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(clock.last().woken).toBe(false);
    expect(log.reads).toHaveLength(1);

    log.length = log.readable = 4;
    poller.notify(4);
    expect(clock.last().woken).toBe(true);
    await until(() => clock.sleeps.length === 2);
    expect(log.reads.map((r) => r.after)).toEqual([0, 3]);
    expect(poller.position).toBe(4);
    expect(poller.knownHead).toBe(4);
  });

  test('a notify that arrives during a read makes it read again at once', async () => {
    const { log, clock, poller } = setup(3);
    let release: () => void = () => {};
    log.hold = new Promise((resolve) => {
      release = resolve;
    });
    poller.start(0);
    await until(() => log.reads.length === 1);
    // A commit lands while the read is in flight; the read (started before) does not see it.
    log.length = log.readable = 4;
    poller.notify(4);
    log.hold = undefined;
    release();
    await until(() => clock.sleeps.length === 1);
    expect(log.reads.map((r) => r.after)).toEqual([0, 3]);
    expect(clock.delays).toEqual([50]);
    expect(poller.position).toBe(4);
  });

  test('a committed position that is not readable yet is retried at the active interval, never skipped', async () => {
    const { log, clock, batches, poller } = setup(5);
    log.readable = 3; // positions 4 and 5 are committed, 4 still invisible
    poller.start(0);
    poller.notify(5);
    await until(() => clock.sleeps.length === 1);
    for (let i = 2; i <= 4; i++) {
      clock.last().end();
      await until(() => clock.sleeps.length === i);
    }
    expect(clock.delays).toEqual([50, 50, 50, 50]);
    expect(poller.position).toBe(3);
    log.readable = 5;
    clock.last().end();
    await until(() => clock.sleeps.length === 5);
    expect(batches.map((b) => [b.after, b.lastPosition])).toEqual([
      [0, 3],
      [3, 5],
    ]);
  });

  test('a failed read is reported, backed off, and polling goes on from the same position', async () => {
    const { log, clock, batches, errors, poller } = setup(2);
    const failure = new Error('throttled');
    log.failNext = failure;
    poller.start(0);
    await until(() => clock.sleeps.length === 1);
    expect(errors).toEqual([failure]);
    expect(poller.errors).toBe(1);
    expect(batches).toEqual([]);
    log.failNext = failure;
    clock.last().end();
    await until(() => clock.sleeps.length === 2);
    expect(clock.delays).toEqual([50, 100]);
    clock.last().end();
    await until(() => clock.sleeps.length === 3);
    expect(batches).toEqual([{ after: 0, lastPosition: 2, events: [event(1), event(2)] }]);
    expect(poller.reads).toBe(3);
  });

  test('aborting stops it: the sleep ends, no further read, stopped() resolves', async () => {
    const { log, clock, controller, poller } = setup(2);
    poller.start(0);
    await until(() => clock.sleeps.length === 1);
    controller.abort();
    await poller.stopped();
    expect(clock.last().woken).toBe(true);
    expect(poller.running).toBe(false);
    poller.notify(10);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log.reads).toHaveLength(1);
  });

  test('a read in flight when it stops is dropped, not published', async () => {
    const { log, controller, batches, poller } = setup(2);
    let release: () => void = () => {};
    log.hold = new Promise((resolve) => {
      release = resolve;
    });
    poller.start(0);
    await until(() => log.reads.length === 1);
    controller.abort();
    release();
    await poller.stopped();
    expect(batches).toEqual([]);
  });
});
