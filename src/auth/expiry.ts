/**
 * Acting when a token expires: a timer at an instant, however far away (Node's timers hold at
 * most about 24.8 days, so a longer wait is taken in steps), that never keeps the process alive.
 */

const longestTimeoutMs = 2 ** 31 - 1;

/** Calls `expire` at `when` (at once when that has passed); returns a cancel function. */
export function atExpiry(when: Date, expire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const remaining = when.getTime() - Date.now();
    if (remaining <= 0) {
      timer = undefined;
      expire();
      return;
    }
    timer = setTimeout(arm, Math.min(remaining, longestTimeoutMs));
    timer.unref();
  };
  arm();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}
