/** The async iterator the API layer gets for a {@link LogSubscription}: an {@link EventSubscription}. */
import type { EventSubscription } from './hub-types.js';
import type { LogSubscription } from './log-subscription.js';

/** Iterates over what `pull` takes from `subscription`; `return()` closes the subscription. */
export function iterate<T>(
  subscription: LogSubscription,
  pull: () => Promise<T | undefined>,
): EventSubscription<T> {
  const startPosition = subscription.coveredPosition;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  return {
    startPosition,
    async next() {
      const value = await pull();
      return value === undefined ? done : { done: false, value };
    },
    async return() {
      subscription.close();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
