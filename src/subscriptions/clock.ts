/**
 * Time as the subscription core sees it, injectable so tests can control it.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are used). */
  now(): number;
  /**
   * Resolves after `ms` milliseconds, or as soon as `signal` aborts. Never rejects: callers
   * check their own state after waking.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  // Monotonic: only differences are used, and wall-clock jumps must not shorten a wait.
  now: () => performance.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};
