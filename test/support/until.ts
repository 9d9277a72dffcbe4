// The suite's one wait: polls a condition until it holds, or fails naming what it waited for.

/** Polls `condition` every 5 ms until it holds; after `timeoutMs`, fails with `what`. */
export async function until(
  condition: () => boolean,
  what: string | (() => string) = 'condition',
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
