/**
 * holdingSlot (subscription-slots.ts) on its own, with a scripted iterator: the slot is given
 * back exactly once however the subscription ends (done, failed, returned, its request aborted
 * before or after it started), and after return() has settled when asked to (a consume session
 * releases its lease there).
 */
import { describe, expect, test } from 'vitest';
import { holdingSlot, type SlotHolder } from '../../src/subscriptions/index.js';

function scripted(results: (IteratorResult<number, undefined> | Error)[]) {
  const log: string[] = [];
  const iterator: SlotHolder<number> = {
    async next() {
      const result = results.shift() ?? { done: true, value: undefined };
      if (result instanceof Error) throw result;
      return result;
    },
    async return() {
      log.push('return started');
      await new Promise((resolve) => setTimeout(resolve, 10));
      log.push('return settled');
      return { done: true, value: undefined };
    },
  };
  return { iterator, log, release: () => log.push('released') };
}

describe('holdingSlot', () => {
  test('gives the slot back once when the iterator is done, and not before', async () => {
    const { iterator, log, release } = scripted([{ done: false, value: 1 }]);
    const held = holdingSlot(iterator, release, undefined);
    expect(await held.next()).toEqual({ done: false, value: 1 });
    expect(log).toEqual([]);
    expect((await held.next()).done).toBe(true);
    await held.return();
    expect(log.filter((entry) => entry === 'released')).toHaveLength(1);
  });

  test('gives the slot back when next() fails', async () => {
    const { iterator, log, release } = scripted([new Error('store unavailable')]);
    const held = holdingSlot(iterator, release, undefined);
    await expect(held.next()).rejects.toThrow('store unavailable');
    expect(log).toEqual(['released']);
  });

  test('on return(): at once by default, after return() settled when asked', async () => {
    const first = scripted([]);
    await holdingSlot(first.iterator, first.release, undefined).return();
    expect(first.log).toEqual(['released', 'return started', 'return settled']);

    const second = scripted([]);
    await holdingSlot(second.iterator, second.release, undefined, { releaseAfterReturn: true }).return();
    expect(second.log).toEqual(['return started', 'return settled', 'released']);
  });

  test('a request aborted before or after the subscription started returns it and gives the slot back once', async () => {
    const before = scripted([]);
    holdingSlot(before.iterator, before.release, AbortSignal.abort(), { releaseAfterReturn: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(before.log).toEqual(['return started', 'return settled', 'released']);

    const after = scripted([]);
    const controller = new AbortController();
    const held = holdingSlot(after.iterator, after.release, controller.signal);
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await held.return();
    expect(after.log.filter((entry) => entry === 'released')).toHaveLength(1);
  });
});
