// Helpers for the subscription tests: a clock the test moves by hand, pulling from iterators
// with a deadline, and a seeded random generator so stress runs can be replayed.
import type { Clock } from '../../src/subscriptions/clock.js';

/** Lets pending reads, timers of zero delay and promise chains run. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export { until } from '../support/until.js';

/** A clock that only moves when the test advances it. */
export class ManualClock implements Clock {
  private time = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const timer = { at: this.time + ms, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward step by step, firing due timers and letting the work they start run. */
  async advance(ms: number, stepMs = 1): Promise<void> {
    const end = this.time + ms;
    while (this.time < end) {
      this.time = Math.min(end, this.time + stepMs);
      const due = this.timers.filter((t) => t.at <= this.time);
      this.timers = this.timers.filter((t) => t.at > this.time);
      for (const timer of due) timer.resolve();
      await settle(due.length > 0 ? 10 : 1);
    }
    await settle();
  }
}

/** Pulls `count` values, failing (with what arrived) if they do not all arrive in time. */
export async function take<T>(iterator: AsyncIterator<T>, count: number, timeoutMs = 5000): Promise<T[]> {
  const values: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (values.length < count) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, left));
      }),
    ]);
    clearTimeout(timer);
    if (result === 'timeout') {
      throw new Error(`received ${values.length} of ${count} values in ${timeoutMs} ms`);
    }
    if (result.done) throw new Error(`iterator ended after ${values.length} of ${count} values`);
    values.push(result.value);
  }
  return values;
}

/** Resolves with the next result if one comes within `ms`, else 'nothing'. Leaves the pull pending. */
export async function nextWithin<T>(
  iterator: AsyncIterator<T>,
  ms: number,
): Promise<IteratorResult<T> | 'nothing'> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    iterator.next(),
    new Promise<'nothing'>((resolve) => {
      timer = setTimeout(() => resolve('nothing'), ms);
    }),
  ]);
  clearTimeout(timer);
  return result;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

export function positions(events: ReadonlyArray<{ position: number }>): number[] {
  return events.map((event) => event.position);
}

export { seededRandom } from '../support/random.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
