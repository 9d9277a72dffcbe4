import { describe, expect, test } from 'vitest';
import { combineObservers } from '../src/observers.js';
import type { StoreObserver } from '../src/store/index.js';

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
    const combined = combineObservers(new Metrics(), undefined, hub);
    combined.onBatchCommitted?.('t', 2, 5, 1.5);
    combined.onCommitted?.('t', 42);
    expect(heard).toEqual(['metrics batch t 2 5', 'hub t 42']);
  });

  test('one observer is used as it is; none gives an observer that listens to nothing', () => {
    const only: StoreObserver = { onCommitted: () => undefined };
    expect(combineObservers(undefined, only)).toBe(only);
    expect(combineObservers()).toEqual({});
  });
});
