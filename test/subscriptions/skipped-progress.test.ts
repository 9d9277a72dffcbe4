// EventBatchesOptions.skippedProgress over the in-memory log: a filtered batch reader that asks for
// it gets an empty batch when the log moves past events its filter skips (once per move, not
// again while nothing moves), so its checkpoint reaches the head; one that does not ask gets no
// batch until a selected event comes (the API's eventBatches).
import { afterEach, describe, expect, test } from 'vitest';
import { type EventBatch, SubscriptionHub } from '../../src/subscriptions/index.js';
import { FakeLog } from './fake-log.js';
import { ManualClock, positions, sleep, take } from './helpers.js';

const hubs: SubscriptionHub[] = [];

function setup() {
  const hub = new SubscriptionHub({
    poll: { activeIntervalMs: 5, maxIntervalMs: 20 },
    pageSize: 10,
    clock: new ManualClock(),
  });
  hubs.push(hub);
  const log = new FakeLog();
  log.onCommitted = (tenant, position) => hub.notify(tenant, position);
  return { hub, log };
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

const selected = { category: 'order' };
const skipped = { category: 'note' };
const filter = { categories: ['order'] };

/** One pull, watched: `result` once it has come. */
function pullLater(sub: AsyncIterator<EventBatch>) {
  const pull: { result?: EventBatch | undefined; settled: Promise<EventBatch | undefined> } = {
    settled: sub.next().then((result) => {
      pull.result = result.done ? undefined : result.value;
      return pull.result;
    }),
  };
  return pull;
}

/** Pulls batches until one's checkpoint reaches `checkpoint`. */
async function takeUntil(sub: AsyncIterator<EventBatch>, checkpoint: number): Promise<EventBatch[]> {
  const batches: EventBatch[] = [];
  while ((batches.at(-1)?.checkpoint ?? -1) < checkpoint) batches.push(...(await take(sub, 1)));
  return batches;
}

describe('EventBatchesOptions.skippedProgress', () => {
  test('live, skipped events give one empty batch whose checkpoint follows the log', async () => {
    const { hub, log } = setup();
    log.append([selected, selected]);
    const sub = await hub.eventBatches(log, {
      after: 0,
      filter,
      maxSize: 10,
      maxWaitMs: 0,
      skippedProgress: true,
    });
    const start = await takeUntil(sub, 2);
    expect(start.flatMap((batch) => positions(batch.events))).toEqual([1, 2]);

    log.append([skipped, skipped]);
    log.append([skipped]);
    const progressed = await takeUntil(sub, 5);
    expect(progressed.flatMap((batch) => batch.events)).toEqual([]);
    // Nothing moved since: no further batch until something does.
    const next = pullLater(sub);
    await sleep(50);
    expect(next.result).toBeUndefined();
    log.append([selected, skipped]);
    const batch = await next.settled;
    expect(positions(batch?.events ?? [])).toEqual([6]);
    const rest = batch?.checkpoint === 7 ? [] : await takeUntil(sub, 7);
    expect([batch, ...rest].at(-1)?.checkpoint).toBe(7);
  });

  test('without it, skipped events give no batch; the next selected event carries the checkpoint past them', async () => {
    const { hub, log } = setup();
    const sub = await hub.eventBatches(log, { after: 0, filter, maxSize: 10, maxWaitMs: 0 });
    expect(await take(sub, 1)).toEqual([{ events: [], checkpoint: 0, caughtUp: true }]);
    log.append([skipped, skipped]);
    const next = pullLater(sub);
    await sleep(50);
    expect(next.result).toBeUndefined();
    log.append([selected]);
    expect(await next.settled).toEqual({
      events: [expect.objectContaining({ position: 3 })],
      checkpoint: 3,
      caughtUp: true,
    });
  });
});
