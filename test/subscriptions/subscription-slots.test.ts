// SubscriptionSlots: the per-tenant count taken when a subscription is accepted, and every way
// its slot comes back (setup failed, iterator returned, finished, failed, client gone).
import { describe, expect, test } from 'vitest';
import type { EventSubscription } from '../../src/subscriptions/index.js';
import { SubscriptionLimitError, SubscriptionSlots } from '../../src/subscriptions/index.js';

/** A subscription whose next() is settled by the test. */
function scripted() {
  let settle: (outcome: IteratorResult<number, undefined> | Error) => void = () => {};
  let returned = 0;
  const subscription: EventSubscription<number> = {
    startPosition: 0,
    next: () =>
      new Promise((resolve, reject) => {
        settle = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
      }),
    async return() {
      returned++;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    subscription,
    settle: (outcome: IteratorResult<number, undefined> | Error) => settle(outcome),
    returned: () => returned,
  };
}

describe('SubscriptionSlots', () => {
  test('take is check-and-take: a synchronous burst stops at the limit; a release counts once', () => {
    const slots = new SubscriptionSlots();
    const releases = [];
    let refusedCount = 0;
    for (let index = 0; index < 10; index++) {
      try {
        releases.push(slots.take('a', 3));
      } catch (error) {
        expect(error).toBeInstanceOf(SubscriptionLimitError);
        refusedCount++;
      }
    }
    expect([releases.length, refusedCount, slots.count('a'), slots.total]).toEqual([3, 7, 3, 3]);
    releases[0]?.();
    releases[0]?.();
    expect([slots.count('a'), slots.count('b'), slots.total]).toEqual([2, 0, 2]);
  });

  test('open takes the slot before start runs, and gives it back when start fails', async () => {
    const slots = new SubscriptionSlots();
    const opening = slots.open('a', 1, async () => {
      throw new Error('head read failed');
    });
    expect(slots.count('a')).toBe(1);
    await expect(slots.open('a', 1, async () => scripted().subscription)).rejects.toBeInstanceOf(
      SubscriptionLimitError,
    );
    await expect(opening).rejects.toThrow('head read failed');
    expect(slots.count('a')).toBe(0);
  });

  test('the slot is held until the iterator is returned, finishes or fails', async () => {
    const slots = new SubscriptionSlots();
    const returnedOne = scripted();
    const held = await slots.open('a', 3, async () => returnedOne.subscription);
    await held.return();
    expect(returnedOne.returned()).toBe(1);
    expect(slots.count('a')).toBe(0);

    const finishing = scripted();
    const finished = await slots.open('a', 3, async () => finishing.subscription);
    const next = finished.next();
    finishing.settle({ done: false, value: 1 });
    await next;
    expect(slots.count('a')).toBe(1);
    const last = finished.next();
    finishing.settle({ done: true, value: undefined });
    await last;
    expect(slots.count('a')).toBe(0);

    const failing = scripted();
    const failed = await slots.open('a', 3, async () => failing.subscription);
    const failure = failed.next();
    failing.settle(new Error('store error'));
    await expect(failure).rejects.toThrow('store error');
    expect(slots.count('a')).toBe(0);
  });

  test('an aborted signal returns the subscription: during setup, or later', async () => {
    const slots = new SubscriptionSlots();
    const early = new AbortController();
    const setUpLate = scripted();
    let finishSetup: () => void = () => {};
    const opening = slots.open(
      'a',
      3,
      () =>
        new Promise<EventSubscription<number>>(
          (resolve) => (finishSetup = () => resolve(setUpLate.subscription)),
        ),
      early.signal,
    );
    early.abort();
    expect(slots.count('a')).toBe(1);
    finishSetup();
    await opening;
    expect(setUpLate.returned()).toBe(1);
    expect(slots.count('a')).toBe(0);

    const later = new AbortController();
    const running = scripted();
    await slots.open('a', 3, async () => running.subscription, later.signal);
    expect(slots.count('a')).toBe(1);
    later.abort();
    expect(running.returned()).toBe(1);
    expect(slots.count('a')).toBe(0);
  });
});
