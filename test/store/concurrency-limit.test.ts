import { describe, expect, test } from 'vitest';
import { ConcurrencyLimit } from '../../src/store/concurrency-limit.js';

describe('ConcurrencyLimit', () => {
  test('runs at most max tasks at once, the others in arrival order; a failure frees its slot', async () => {
    const limit = new ConcurrencyLimit(3);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const tasks = Array.from({ length: 10 }, (_, index) =>
      limit.run(async () => {
        started.push(index);
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        if (index === 4) throw new Error('task 4 fails');
        return index;
      }),
    );
    const outcomes = await Promise.allSettled(tasks);
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
    expect(limit.active).toBe(0);
  });
});
