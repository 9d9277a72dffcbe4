/**
 * The store takes one StoreObserver; the gateway has several listeners (the subscription hub,
 * whose poller an append in this process must wake at once, and metrics). This combines them.
 */
import type { StoreObserver } from './types.js';

type Callback = (...args: unknown[]) => void;

/**
 * One observer that passes each notice to every one of `observers` that listens for it, in
 * order. Generic over the notices, so a hook added to StoreObserver later is passed on too.
 * An observer that throws does not keep the others from hearing of the commit; its error goes
 * to `onListenerError`.
 */
export function combineObservers(
  observers: readonly (StoreObserver | undefined)[],
  onListenerError: (error: unknown, notice: string) => void = () => {},
): StoreObserver {
  const present = observers.filter((observer): observer is StoreObserver => observer !== undefined);
  if (present.length === 1) return present[0] as StoreObserver;
  const combined: Record<string, Callback> = {};
  for (const name of new Set(present.flatMap(methodNames))) {
    const listeners = present.flatMap((observer) => {
      const listener = (observer as Record<string, unknown>)[name];
      return typeof listener === 'function' ? [listener.bind(observer) as Callback] : [];
    });
    combined[name] = (...args) => {
      for (const listener of listeners) {
        try {
          listener(...args);
        } catch (error) {
          // Observers are told after the commit and must not throw; one that does anyway
          // must not stop the others (e.g. the subscription poller's wake-up).
          onListenerError(error, name);
        }
      }
    };
  }
  return combined as StoreObserver;
}

/** Own and inherited method names (an observer may be a class instance). */
function methodNames(observer: object): string[] {
  const names: string[] = [];
  for (
    let at: object | null = observer;
    at !== null && at !== Object.prototype;
    at = Object.getPrototypeOf(at)
  ) {
    for (const name of Object.getOwnPropertyNames(at)) {
      if (name !== 'constructor' && typeof (observer as Record<string, unknown>)[name] === 'function') {
        names.push(name);
      }
    }
  }
  return names;
}
