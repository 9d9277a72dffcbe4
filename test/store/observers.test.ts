import { describe, expect, test } from 'vitest';
import type { StoreObserver } from '../../src/store/index.js';
import { combineObservers } from '../../src/store/observers.js';

describe('combineObservers', () => {
  test('tells every observer of each notice, in order, even when one throws', () => {
    const heard: string[] = [];
    class Metrics implements StoreObserver {
      onBatchCommitted(tenant: string, appends: number, events: number) {
        heard.push(`metrics batch ${tenant} ${appends} ${events}`);
      }
      onCommitted(): void {
        throw new Error('broken observer');
      }
    }
    const hub: StoreObserver = { onCommitted: (tenant, position) => heard.push(`hub ${tenant} ${position}`) };
    const failures: string[] = [];
    const combined = combineObservers([new Metrics(), undefined, hub], (error, notice) =>
      failures.push(`${notice}: ${(error as Error).message}`),
    );
    combined.onBatchCommitted?.('t', 2, 5, 1.5);
    combined.onCommitted?.('t', 42);
    expect(heard).toEqual(['metrics batch t 2 5', 'hub t 42']);
    // The thrower is not silent: its error is handed over, naming the notice.
    expect(failures).toEqual(['onCommitted: broken observer']);
  });

  test('one observer is used as it is; none gives an observer that listens to nothing', () => {
    const only: StoreObserver = { onCommitted: () => undefined };
    expect(combineObservers([undefined, only])).toBe(only);
    expect(combineObservers([])).toEqual({});
  });
});
