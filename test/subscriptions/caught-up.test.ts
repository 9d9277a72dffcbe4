// EventBatch.caughtUp over the in-memory log: a subscription that starts at the head says so
// within maxWaitMs (an empty batch), one that starts behind says so on the batch that reaches the
// head, and one that overflows says false while it reads back, then true once live again.
import { afterEach, describe, expect, test } from 'vitest';
import {
  type EventBatch,
  SubscriptionHub,
  type SubscriptionHubOptions,
} from '../../src/subscriptions/index.js';
import { FakeLog } from './fake-log.js';
import { ManualClock, positions, range, settle, take } from './helpers.js';

const hubs: SubscriptionHub[] = [];

function setup(options: SubscriptionHubOptions = {}) {
  const clock = new ManualClock();
  const hub = new SubscriptionHub({
    poll: { activeIntervalMs: 5, maxIntervalMs: 20 },
    pageSize: 10,
    clock,
    ...options,
  });
  hubs.push(hub);
  const log = new FakeLog();
  log.onCommitted = (tenant, position) => hub.notify(tenant, position);
  return { clock, hub, log };
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

/** Pulls batches until one's checkpoint reaches `checkpoint`. */
async function takeUntil(sub: AsyncIterator<EventBatch>, checkpoint: number): Promise<EventBatch[]> {
  const batches: EventBatch[] = [];
  while ((batches.at(-1)?.checkpoint ?? -1) < checkpoint) batches.push(...(await take(sub, 1)));
  return batches;
}

describe('EventBatch.caughtUp', () => {
  test('starting at the head: a first empty batch, caughtUp, within maxWaitMs; later batches too', async () => {
    const { clock, hub, log } = setup();
    log.appendMany(5);
    const sub = await hub.eventBatches(log, { maxSize: 10, maxWaitMs: 100 });
    let first: EventBatch | undefined;
    const pull = sub.next().then((result) => {
      first = result.done ? undefined : result.value;
    });
    await clock.advance(99);
    expect(first).toBeUndefined();
    await clock.advance(1);
    await pull;
    expect(first).toEqual({ events: [], checkpoint: 5, caughtUp: true });

    log.append([{}, {}]);
    await settle();
    const next = take(sub, 1);
    await clock.advance(100);
    const [batch] = await next;
    expect(batch).toMatchObject({ checkpoint: 7, caughtUp: true });
    expect(positions(batch?.events ?? [])).toEqual([6, 7]);
  });

  test('starting behind: caughtUp false until the batch that reaches the head, which is true', async () => {
    const { clock, hub, log } = setup();
    log.appendMany(25);
    const sub = await hub.eventBatches(log, { after: 0, maxSize: 10, maxWaitMs: 100 });
    const [a, b] = await take(sub, 2);
    expect(a).toMatchObject({ checkpoint: 10, caughtUp: false });
    expect(b).toMatchObject({ checkpoint: 20, caughtUp: false });
    await settle(); // the last history read
    const rest = take(sub, 1);
    await clock.advance(100);
    const [c] = await rest;
    expect(c).toMatchObject({ checkpoint: 25, caughtUp: true });
    expect(positions(c?.events ?? [])).toEqual(range(21, 25));

    log.append([{}]);
    await settle();
    const live = take(sub, 1);
    await clock.advance(100);
    expect(await live).toMatchObject([{ checkpoint: 26, caughtUp: true }]);
  });

  test('an overflow: caughtUp false on the batches read back, then true once live again', async () => {
    const { hub, log } = setup({ bufferSize: 4 });
    const sub = await hub.eventBatches(log, { maxSize: 2, maxWaitMs: 0 });
    expect(await take(sub, 1)).toEqual([{ events: [], checkpoint: 0, caughtUp: true }]);

    log.append(Array.from({ length: 20 }, () => ({}))); // more than the buffer holds: overflow
    await settle();
    expect(hub.overflows).toBeGreaterThan(0);
    const batches = await takeUntil(sub, 20);
    expect(batches.flatMap((batch) => positions(batch.events))).toEqual(range(1, 20));
    const flags = batches.map((batch) => batch.caughtUp);
    const firstLive = flags.indexOf(true);
    expect(firstLive).toBeGreaterThan(0); // read back first: false
    expect(flags.slice(0, firstLive).every((flag) => !flag)).toBe(true);
    expect(flags.slice(firstLive).every((flag) => flag)).toBe(true); // live again: true
    expect(batches.find((batch) => batch.checkpoint >= 4)?.caughtUp).toBe(false);

    log.append([{}]);
    expect(await take(sub, 1)).toMatchObject([{ checkpoint: 21, caughtUp: true }]);
  });
});
