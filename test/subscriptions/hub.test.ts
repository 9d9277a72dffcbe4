// Unit tests of the subscription hub over an in-memory log (the store is irrelevant here; the
// DynamoDB integration test is hub.dynamodb.test.ts).
import { afterEach, describe, expect, test } from 'vitest';
import { InvalidInputError, StoreUnavailableError } from '../../src/store/errors.js';
import type { EventFilter, RecordedEvent } from '../../src/store/types.js';
import {
  deliveredStreamOf,
  type EventBatch,
  type EventSubscription,
  SubscriptionHub,
  SubscriptionHubClosedError,
  type SubscriptionHubOptions,
} from '../../src/subscriptions/index.js';
import { type FakeEventSpec, FakeLog, streamIdOf } from './fake-log.js';
import {
  ManualClock,
  nextWithin,
  positions,
  range,
  seededRandom,
  settle,
  sleep,
  take,
  until,
} from './helpers.js';

const hubs: SubscriptionHub[] = [];

function makeHub(options: SubscriptionHubOptions = {}): SubscriptionHub {
  const hub = new SubscriptionHub({
    poll: { activeIntervalMs: 5, maxIntervalMs: 20 },
    pageSize: 10,
    ...options,
  });
  hubs.push(hub);
  return hub;
}

/** A log whose commits notify the hub, as the store's observer does. */
function wiredLog(hub: SubscriptionHub, tenant?: string): FakeLog {
  const log = new FakeLog(tenant);
  log.onCommitted = (t, position) => hub.notify(t, position);
  return log;
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

async function writeOverTime(
  log: FakeLog,
  count: number,
  spec: FakeEventSpec = {},
  gapMs = 1,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    log.append([spec]);
    await sleep(gapMs);
  }
}

describe('events: order and exactly-once', () => {
  test('without after it starts at the head when subscribing: only later events, in order, once', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(5);
    const sub = await hub.events(log);
    expect(sub.startPosition).toBe(5);
    const writing = writeOverTime(log, 30);
    expect(positions(await take(sub, 30))).toEqual(range(6, 35));
    await writing;
    expect(await nextWithin(sub, 50)).toBe('nothing');
    await sub.return();
  });

  test('after is exclusive: history first, read by the subscription itself, then live', async () => {
    const hub = makeHub({ pageSize: 7 });
    const log = wiredLog(hub);
    log.appendMany(50);
    const live = await hub.events(log); // starts the poller at the head
    const sub = await hub.events(log, { after: 10 });
    expect(sub.startPosition).toBe(10);
    const writing = writeOverTime(log, 40);
    expect(positions(await take(sub, 80))).toEqual(range(11, 90));
    expect(positions(await take(live, 40))).toEqual(range(51, 90));
    await writing;
    expect(hub.catchUpReads).toBeGreaterThanOrEqual(Math.ceil(40 / 7));
    expect(await nextWithin(sub, 30)).toBe('nothing');
  });

  test('after 0 delivers the whole log; after = head delivers only what comes next', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(12);
    const all = await hub.events(log, { after: 0 });
    const next = await hub.events(log, { after: 12 });
    log.appendMany(3);
    expect(positions(await take(all, 15))).toEqual(range(1, 15));
    expect(positions(await take(next, 3))).toEqual([13, 14, 15]);
  });

  test('events appended by another gateway (no local notice) arrive by polling', async () => {
    const hub = makeHub();
    const log = new FakeLog(); // not wired: commits are never announced to this hub
    const sub = await hub.events(log);
    log.append([{}, {}]);
    log.append([{}]);
    expect(positions(await take(sub, 3))).toEqual([1, 2, 3]);
  });

  test('many subscribers joining at random points while writers race: each gets exactly its events in order', async () => {
    const random = seededRandom(20261127);
    const hub = makeHub({ pageSize: 7, bufferSize: 16 });
    const log = wiredLog(hub);
    const categories = [null, 'orders', 'users'];
    const types = ['Created', 'Changed', 'Removed'];
    const spec = (): FakeEventSpec => ({
      stream: `s${Math.floor(random() * 6)}`,
      category: categories[Math.floor(random() * categories.length)] ?? null,
      type: types[Math.floor(random() * types.length)] ?? 'Created',
    });
    for (let i = 0; i < 60; i++) log.append([spec()]);

    const filters: Array<EventFilter | undefined> = [
      undefined,
      { types: ['Created'] },
      { categories: ['orders', 'users'], types: ['Changed', 'Removed'] },
      { streamIds: [streamIdOf('s1'), streamIdOf('s4')] },
    ];
    // One subscriber from the head that pulls nothing until the writers are done: with 16
    // buffered events at most, it must fall back to catching up, whatever the timing.
    const stalled = await hub.events(log, {});
    let writersDone = () => {};
    const writing = new Promise<void>((resolve) => {
      writersDone = resolve;
    });
    const writers = Array.from({ length: 3 }, async (_, w) => {
      for (let i = 0; i < 120; i++) {
        const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, spec);
        // One in five commits comes from "another gateway": no notice, only polling finds it.
        log.append(batch, { notify: random() > 0.2 });
        if (random() < 0.6) await sleep(Math.floor(random() * 3));
        else await settle(1 + w);
      }
    });

    interface Follower {
      sub: EventSubscription<RecordedEvent>;
      filter: EventFilter | undefined;
      received: number[];
      slow: boolean;
    }
    const followers: Follower[] = [{ sub: stalled, filter: undefined, received: [], slow: true }];
    const consumers: Promise<void>[] = [
      (async () => {
        await writing;
        for await (const event of stalled) followers[0]?.received.push(event.position);
      })(),
    ];
    const joining = (async () => {
      for (let i = 0; i < 24; i++) {
        await sleep(Math.floor(random() * 8));
        const filter = filters[i % filters.length];
        const pick = random();
        const after = pick < 0.3 ? undefined : pick < 0.5 ? 0 : Math.floor(random() * log.head);
        const sub = await hub.events(log, { after, filter });
        const follower: Follower = { sub, filter, received: [], slow: i % 5 === 0 };
        followers.push(follower);
        consumers.push(
          (async () => {
            for await (const event of sub) {
              follower.received.push(event.position);
              if (follower.slow && random() < 0.05) await sleep(5);
            }
          })(),
        );
      }
    })();
    await Promise.all([...writers, joining]);
    writersDone();

    const matches = (filter: EventFilter | undefined) => (event: RecordedEvent) =>
      (!filter?.types || filter.types.includes(event.type)) &&
      (!filter?.categories ||
        (event.stream.category !== null && filter.categories.includes(event.stream.category))) &&
      (!filter?.streamIds || filter.streamIds.includes(event.stream.id));
    for (const follower of followers) {
      const expected = log.expected(follower.sub.startPosition, matches(follower.filter));
      await until(
        () => follower.received.length >= expected.length,
        'a follower to receive its events',
        10_000,
      );
      await sleep(20);
      expect(follower.received).toEqual(expected);
    }
    expect(hub.overflows).toBeGreaterThan(0); // the stalled one (at least) fell back to catching up
    for (const follower of followers) await follower.sub.return();
    await Promise.all(consumers);
  });
});

describe('catch-up to live handoff', () => {
  // The races that matter: the subscription's last history read and the poller's read cover
  // the same stretch, in either order, while the log keeps growing.
  for (const snapshotAt of ['start', 'end'] as const) {
    test(`the last history read overlapping a poller batch (reads answer as of their ${snapshotAt})`, async () => {
      const hub = makeHub({ pageSize: 10 });
      const log = wiredLog(hub);
      log.snapshotAt = snapshotAt;
      log.appendMany(20);
      const live = await hub.events(log); // poller at 20
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // Hold the late subscription's history read that starts at 10 (it alone filters).
      log.beforeRead = (call) => (call.filtered && call.after === 10 ? held : undefined);
      const sub = await hub.events(log, { after: 0, filter: { types: ['Happened'] } });
      await until(() => log.calls.some((call) => call.filtered && call.after === 10), 'the held read');
      // The poller publishes 21..25 while the history read is in flight.
      log.appendMany(5);
      expect(positions(await take(live, 5))).toEqual(range(21, 25));
      release();
      log.beforeRead = undefined;
      await settle();
      log.appendMany(5);
      expect(positions(await take(sub, 30))).toEqual(range(1, 30));
      expect(await nextWithin(sub, 30)).toBe('nothing');
      expect(hub.tenantStats(log.tenant)?.live).toBe(2);
    });
  }

  test('a subscription ahead of the poller joins at once and skips what it has covered', async () => {
    const hub = makeHub({ clock: new ManualClock() }); // the poller only reads when notified
    const log = wiredLog(hub);
    const first = await hub.events(log);
    await settle();
    log.append([{}, {}, {}], { notify: false }); // the poller has not seen these
    const ahead = await hub.events(log); // head is 3: ahead of the poller
    expect(ahead.startPosition).toBe(3);
    expect(hub.tenantStats(log.tenant)?.pollerPosition).toBe(0);
    log.append([{}]);
    expect(positions(await take(first, 4))).toEqual([1, 2, 3, 4]);
    expect(positions(await take(ahead, 1))).toEqual([4]);
    expect(hub.catchUpReads).toBe(0);
  });
});

describe('only a contiguous prefix is delivered', () => {
  test('a committed position not yet readable holds back what follows until it appears', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    const sub = await hub.events(log, { after: 0 });
    log.appendMany(3);
    log.append([{}], { hidden: true }); // position 4, still committing
    log.appendMany(2);
    expect(positions(await take(sub, 3))).toEqual([1, 2, 3]);
    const pending = sub.next();
    expect(await Promise.race([pending, sleep(60).then(() => 'nothing')])).toBe('nothing');
    expect(hub.tenantStats(log.tenant)?.pollerPosition).toBe(3);
    log.reveal(4);
    expect(await pending).toMatchObject({ done: false, value: { position: 4 } });
    expect(positions(await take(sub, 2))).toEqual([5, 6]);
  });
});

describe('deleted streams', () => {
  test('tombstones are skipped but advance positions and checkpoints', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.append([{ stream: 'keep' }, { stream: 'gone' }, { stream: 'keep' }, { stream: 'gone' }]);
    log.deleteStream('gone');
    const sub = await hub.events(log, { after: 0 });
    expect(positions(await take(sub, 2))).toEqual([1, 3]);

    const batches = await hub.eventBatches(log, { after: 0, maxSize: 10, maxWaitMs: 5 });
    const [batch] = await take(batches, 1);
    expect(positions(batch?.events ?? [])).toEqual([1, 3]);
    expect(batch?.checkpoint).toBe(4);

    log.append([{ stream: 'gone' }, { stream: 'keep' }]);
    expect(positions(await take(sub, 2))).toEqual([5, 6]); // a new stream under the old name is delivered
  });
});

describe('filters', () => {
  const s1 = streamIdOf('s1');
  const s2 = streamIdOf('s2');
  function fill(log: FakeLog): void {
    log.append([
      { stream: 's1', category: 'orders', type: 'Created' }, // 1
      { stream: 's2', category: 'users', type: 'Created' }, // 2
      { stream: 's1', category: null, type: 'Changed' }, // 3
      { stream: 's3', category: 'orders', type: 'Changed' }, // 4
      { stream: 's2', category: 'orders', type: 'Removed' }, // 5
      { stream: 's3', category: null, type: 'Created' }, // 6
    ]);
  }
  const cases: Array<[string, EventFilter, number[]]> = [
    ['one category', { categories: ['orders'] }, [1, 4, 5]],
    ['categories OR', { categories: ['orders', 'users'] }, [1, 2, 4, 5]],
    ['one type', { types: ['Created'] }, [1, 2, 6]],
    ['types OR', { types: ['Created', 'Removed'] }, [1, 2, 5, 6]],
    ['stream ids, any category', { streamIds: [s1] }, [1, 3]],
    ['stream ids OR', { streamIds: [s1, s2.toUpperCase()] }, [1, 2, 3, 5]],
    ['AND across fields', { categories: ['orders'], types: ['Changed', 'Removed'] }, [4, 5]],
    ['all three', { categories: ['orders'], types: ['Created', 'Removed'], streamIds: [s2] }, [5]],
    ['an empty list matches nothing', { types: [] }, []],
    ['null fields do not restrict', { types: null, categories: null, streamIds: null }, [1, 2, 3, 4, 5, 6]],
  ];
  for (const [name, filter, expected] of cases) {
    test(`${name}: the same in history and live`, async () => {
      const hub = makeHub();
      const log = wiredLog(hub);
      fill(log);
      const sub = await hub.events(log, { after: 0, filter });
      const live = await hub.events(log, { filter });
      fill(log);
      const shifted = expected.map((p) => p + 6);
      expect(positions(await take(sub, expected.length * 2))).toEqual([...expected, ...shifted]);
      expect(positions(await take(live, expected.length))).toEqual(shifted);
      expect(await nextWithin(sub, 20)).toBe('nothing');
    });
  }

  test('a malformed stream id in a filter is refused before anything starts', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    await expect(hub.events(log, { filter: { streamIds: ['not-a-uuid'] } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(hub.subscriptionCount).toBe(0);
    expect(log.calls).toEqual([]);
  });
});

describe('backpressure', () => {
  test('a consumer that does not pull keeps a bounded buffer, stops reading, and later gets everything', async () => {
    const hub = makeHub({ bufferSize: 8, pageSize: 4 });
    const log = wiredLog(hub);
    const fast = await hub.events(log);
    const slow = await hub.events(log);
    const fastReceived: number[] = [];
    const draining = (async () => {
      for await (const event of fast) fastReceived.push(event.position);
    })();
    let largest = 0;
    for (let round = 0; round < 50; round++) {
      log.append(Array.from({ length: 10 }, () => ({})));
      await sleep(1);
      largest = Math.max(largest, hub.tenantStats(log.tenant)?.largestBuffer ?? 0);
    }
    await until(() => fastReceived.length === 500, 'the fast consumer');
    expect(largest).toBeLessThanOrEqual(8);
    expect(hub.overflows).toBeGreaterThan(0);
    const stats = hub.tenantStats(log.tenant);
    expect(stats?.catchingUp).toBe(1);
    expect(stats?.maxSubscriberLag).toBe(500 - 0);

    // With a full buffer and nobody pulling, the slow subscription reads nothing more.
    const readsWhileStalled = hub.catchUpReads;
    await sleep(50);
    expect(hub.catchUpReads).toBe(readsWhileStalled);

    expect(positions(await take(slow, 500))).toEqual(range(1, 500));
    expect(fastReceived).toEqual(range(1, 500));
    await until(() => hub.tenantStats(log.tenant)?.live === 2, 'the slow one to rejoin the live feed');
    log.appendMany(3);
    expect(positions(await take(slow, 3))).toEqual([501, 502, 503]);
    await fast.return();
    await draining;
  });
});

describe('eventBatches', () => {
  function manualHub() {
    const clock = new ManualClock();
    const hub = makeHub({ clock });
    const log = wiredLog(hub);
    return { clock, hub, log };
  }

  test('a batch is sent when it holds maxSize events', async () => {
    const { hub, log } = manualHub();
    const sub = await hub.eventBatches(log, { maxSize: 10, maxWaitMs: 1000 });
    log.append(Array.from({ length: 25 }, () => ({})));
    const [a, b] = await take(sub, 2);
    expect(positions(a?.events ?? [])).toEqual(range(1, 10));
    expect(a?.checkpoint).toBe(10);
    expect(positions(b?.events ?? [])).toEqual(range(11, 20));
    expect(b?.checkpoint).toBe(20);
  });

  test('a batch that is not full is sent maxWaitMs after its first event arrived', async () => {
    const { clock, hub, log } = manualHub();
    const sub = await hub.eventBatches(log, { maxSize: 10, maxWaitMs: 100 });
    log.append([{}, {}, {}]);
    await settle();
    let batch: EventBatch | undefined;
    const pull = sub.next().then((result) => {
      batch = result.done ? undefined : result.value;
    });
    await clock.advance(40);
    log.append([{}]); // arrives later: does not restart the wait
    await clock.advance(59);
    expect(batch).toBeUndefined();
    await clock.advance(1);
    await pull;
    expect(positions(batch?.events ?? [])).toEqual([1, 2, 3, 4]);
    expect(batch?.checkpoint).toBe(4);
  });

  test('the defaults are 100 events and 100 ms', async () => {
    const { clock, hub, log } = manualHub();
    const sub = await hub.eventBatches(log);
    log.append(Array.from({ length: 25 }, () => ({})));
    log.append(Array.from({ length: 25 }, () => ({})));
    await settle();
    let batch: EventBatch | undefined;
    const pull = sub.next().then((result) => {
      batch = result.done ? undefined : result.value;
    });
    await clock.advance(99);
    expect(batch).toBeUndefined();
    await clock.advance(1);
    await pull;
    expect(batch?.events).toHaveLength(50);
    const full = await hub.eventBatches(log, { after: 0 });
    log.append(Array.from({ length: 25 }, () => ({})));
    log.append(Array.from({ length: 25 }, () => ({})));
    log.append(Array.from({ length: 25 }, () => ({})));
    await settle();
    const [first] = await take(full, 1);
    expect(first?.events).toHaveLength(100);
  });

  test('the checkpoint advances past events the filter skips, and resuming after it misses nothing', async () => {
    const { clock, hub, log } = manualHub();
    const sub = await hub.eventBatches(log, { filter: { types: ['A'] }, maxSize: 1, maxWaitMs: 50 });
    log.append([{ type: 'A' }, { type: 'B' }, { type: 'B' }]); // 1..3
    const [first] = await take(sub, 1);
    expect(positions(first?.events ?? [])).toEqual([1]);
    expect(first?.checkpoint).toBe(3);

    log.append([{ type: 'B' }, { type: 'A' }, { type: 'B' }, { type: 'A' }, { type: 'B' }]); // 4..8
    await settle();
    const [second, third] = await take(sub, 2);
    expect(positions(second?.events ?? [])).toEqual([5]);
    expect(second?.checkpoint).toBe(6); // 7 is buffered: it ends just before it
    expect(positions(third?.events ?? [])).toEqual([7]);
    expect(third?.checkpoint).toBe(8);
    await sub.return();

    // A consumer that stored checkpoint 6 resumes there and gets 7, then new events.
    const resumed = await hub.eventBatches(log, {
      after: 6,
      filter: { types: ['A'] },
      maxSize: 2,
      maxWaitMs: 50,
    });
    log.append([{ type: 'A' }]); // 9
    await settle();
    const pending = take(resumed, 1);
    await clock.advance(50);
    const [again] = await pending;
    expect(positions(again?.events ?? [])).toEqual([7, 9]);
    expect(again?.checkpoint).toBe(9);
  });

  test('maxSize and maxWaitMs out of bounds are refused', async () => {
    const { hub, log } = manualHub();
    await expect(hub.eventBatches(log, { maxSize: 0 })).rejects.toMatchObject({ path: ['maxSize'] });
    await expect(hub.eventBatches(log, { maxSize: 1001 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(hub.eventBatches(log, { maxSize: 2.5 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(hub.eventBatches(log, { maxWaitMs: -1 })).rejects.toMatchObject({ path: ['maxWaitMs'] });
    await expect(hub.eventBatches(log, { maxWaitMs: 60_001 })).rejects.toBeInstanceOf(InvalidInputError);
    expect(hub.subscriptionCount).toBe(0);
  });

  test('a batch subscription buffers at least maxSize events', async () => {
    const { hub, log } = manualHub();
    const sub = await hub.eventBatches(log, { maxSize: 500, maxWaitMs: 10_000 });
    log.append(Array.from({ length: 30 }, () => ({})));
    for (let i = 0; i < 16; i++) log.append(Array.from({ length: 30 }, () => ({})));
    const [batch] = await take(sub, 1);
    expect(positions(batch?.events ?? [])).toEqual(range(1, 500));
    expect(hub.overflows).toBe(0);
  });
});

describe('streamEvents', () => {
  test('without afterVersion: the events of that stream (id and category) appended after subscribing', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.append([{ stream: 'cart' }, { stream: 'other' }, { stream: 'cart' }]);
    const sub = await hub.streamEvents(log, { stream: { name: 'cart' } });
    log.append([
      { stream: 'cart', category: 'archive' },
      { stream: 'cart' },
      { stream: 'other' },
      { stream: 'cart' },
    ]);
    const events = await take(sub, 2);
    expect(events.map((e) => [e.position, e.version])).toEqual([
      [5, 3],
      [7, 4],
    ]);
    expect(await nextWithin(sub, 30)).toBe('nothing');
  });

  test('with afterVersion: the stored versions after it, read from the stream, then live', async () => {
    const hub = makeHub({ pageSize: 2 });
    const log = wiredLog(hub);
    for (let i = 0; i < 6; i++) log.append([{ stream: 'cart' }, { stream: 'other' }, { stream: 'other' }]);
    const live = await hub.events(log); // poller at the head
    const sub = await hub.streamEvents(log, { stream: { id: streamIdOf('cart') }, afterVersion: 1 });
    log.append([{ stream: 'cart' }]);
    const events = await take(sub, 6);
    expect(events.map((e) => e.version)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(positions(events)).toEqual([4, 7, 10, 13, 16, 19]);
    // The stored versions came from the stream, not from scanning the log's other events.
    expect(log.calls.filter((call) => call.kind === 'log' && call.filtered)).toHaveLength(0);
    await take(live, 1);
  });

  test('a stream that does not exist yet: its first events are delivered', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(3, { stream: 'other' });
    const sub = await hub.streamEvents(log, { stream: { name: 'later', category: 'c' } });
    log.append([{ stream: 'later', category: 'c' }, { stream: 'later' }, { stream: 'later', category: 'c' }]);
    expect((await take(sub, 2)).map((e) => [e.position, e.version])).toEqual([
      [4, 1],
      [6, 2],
    ]);
  });

  test('afterVersion beyond the current version: only versions above it', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(2, { stream: 'cart' });
    const sub = await hub.streamEvents(log, { stream: { name: 'cart' }, afterVersion: 4 });
    log.appendMany(4, { stream: 'cart' });
    expect((await take(sub, 2)).map((e) => e.version)).toEqual([5, 6]);
  });

  test('a stream deleted and created again while read by version: the new one from version 1', async () => {
    const hub = makeHub({ pageSize: 2, bufferSize: 2 });
    const log = wiredLog(hub);
    log.appendMany(10, { stream: 'cart' });
    const sub = await hub.streamEvents(log, { stream: { name: 'cart' }, afterVersion: 0 });
    const first = await take(sub, 3);
    const oldIncarnation = first[0]!.streamIncarnation;
    log.deleteStream('cart');
    log.appendMany(8, { stream: 'cart' });
    const rest: RecordedEvent[] = [];
    while (rest.at(-1)?.streamIncarnation === oldIncarnation || rest.length < 8)
      rest.push(...(await take(sub, 1)));
    const seen = [...first, ...rest].map((e) => [
      e.streamIncarnation === oldIncarnation ? 'old' : 'new',
      e.version,
    ]);
    const oldCount = seen.filter(([kind]) => kind === 'old').length;
    expect(oldCount).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([
      ...Array.from({ length: oldCount }, (_, i) => ['old', i + 1]),
      ...Array.from({ length: 8 }, (_, i) => ['new', i + 1]),
    ]);
    expect(await nextWithin(sub, 30)).toBe('nothing');
  });

  test('afterVersion beyond the current version holds for that incarnation only', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(2, { stream: 'cart' });
    const sub = await hub.streamEvents(log, { stream: { name: 'cart' }, afterVersion: 4 });
    log.deleteStream('cart');
    log.appendMany(3, { stream: 'cart' });
    expect((await take(sub, 3)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  test('a ref without id or name, or with disagreeing ones, is refused', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    await expect(hub.streamEvents(log, { stream: {} })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      hub.streamEvents(log, { stream: { name: 'a', id: streamIdOf('b') } }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(hub.streamEvents(log, { stream: { name: 'a' }, afterVersion: -1 })).rejects.toMatchObject({
      path: ['afterVersion'],
    });
    expect(hub.subscriptionCount).toBe(0);
  });
});

describe('reads', () => {
  test('no subscribers, no reads: before the first and after the last', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(5);
    await sleep(50);
    expect(log.calls).toEqual([]);

    const sub = await hub.events(log);
    log.appendMany(2);
    await take(sub, 2);
    await sub.return();
    expect(hub.subscriberCount(log.tenant)).toBe(0);
    expect(hub.tenantStats(log.tenant)).toBeUndefined();
    await settle();
    const readsAfterLast = log.calls.length;
    log.appendMany(5);
    await sleep(60);
    expect(log.calls.length).toBe(readsAfterLast);
  });

  test('the poller reads the same with 1 and with 200 subscribers (and nobody else reads the log)', async () => {
    async function run(subscribers: number) {
      const clock = new ManualClock();
      const hub = makeHub({ clock, poll: { activeIntervalMs: 10, maxIntervalMs: 80 } });
      const log = wiredLog(hub);
      log.appendMany(10);
      const subs = await Promise.all(Array.from({ length: subscribers }, () => hub.events(log)));
      const received = subs.map(() => 0);
      const draining = subs.map(async (sub, i) => {
        for await (const _ of sub) received[i]!++;
      });
      const logReadsBefore = log.logReads;
      for (let step = 0; step < 100; step++) {
        if (step % 10 < 3) log.append([{}, {}], { notify: step % 2 === 0 });
        await clock.advance(25, 5);
      }
      await clock.advance(200, 5);
      const reads = log.logReads - logReadsBefore;
      expect(received.every((n) => n === 60)).toBe(true);
      expect(hub.catchUpReads).toBe(0);
      await hub.close();
      await Promise.all(draining);
      return { reads, pollReads: hub.pollReads };
    }
    const one = await run(1);
    const many = await run(200);
    expect(one.reads).toBeGreaterThan(0);
    expect(many.reads).toBe(one.reads);
    expect(many.pollReads).toBe(one.pollReads);
  });

  test("delivered events' streams are read once per page, for 1 or 200 subscribers, and only on demand", async () => {
    async function run(subscribers: number) {
      const hub = makeHub();
      const log = wiredLog(hub);
      const subs = await Promise.all(Array.from({ length: subscribers }, () => hub.events(log)));
      const delivered: RecordedEvent[][] = subs.map(() => []);
      for (let round = 0; round < 5; round++) {
        log.append([{ stream: 'a' }, { stream: 'b' }, { stream: 'a' }]);
        await Promise.all(subs.map(async (sub, i) => delivered[i]!.push(...(await take(sub, 3)))));
      }
      const streamReadsBeforeDemand = log.calls.filter((call) => call.kind === 'streams').length;
      const infos = await Promise.all(delivered.flat().map((event) => deliveredStreamOf(event)));
      const streamReads = log.calls.filter((call) => call.kind === 'streams').length;
      // Stream a has two events per round: after round r its version is 2r; b's is r.
      expect(infos.every((info) => (info?.version ?? 0) >= 1)).toBe(true);
      expect(infos.slice(-3).map((info) => info?.version)).toEqual([10, 5, 10]);
      await hub.close();
      return { streamReadsBeforeDemand, streamReads, pollReads: hub.pollReads, counted: hub.streamReads };
    }
    const one = await run(1);
    const many = await run(200);
    expect(one.streamReadsBeforeDemand).toBe(0);
    expect(many.streamReadsBeforeDemand).toBe(0);
    expect(one.streamReads).toBeGreaterThan(0);
    expect(one.streamReads).toBeLessThanOrEqual(one.pollReads);
    expect(many.streamReads).toBe(one.streamReads);
    expect(many.counted).toBe(many.streamReads);
  });

  test('a catching-up subscriber reads the streams of each history page once', async () => {
    const hub = makeHub({ pageSize: 4 });
    const log = wiredLog(hub);
    log.appendMany(12, { stream: 'h' });
    const sub = await hub.events(log, { after: 0 });
    const events = await take(sub, 12);
    const infos = await Promise.all(events.map((event) => deliveredStreamOf(event)));
    expect(infos.map((info) => info?.version)).toEqual(Array(12).fill(12));
    expect(log.calls.filter((call) => call.kind === 'streams')).toHaveLength(3);
  });

  test('tenants are isolated: their own poller, their own events', async () => {
    const hub = makeHub();
    const a = wiredLog(hub, 'tenant-a');
    const b = wiredLog(hub, 'tenant-b');
    const subA = await hub.events(a);
    const subB = await hub.events(b);
    a.append([{ type: 'A' }, { type: 'A' }]);
    b.append([{ type: 'B' }]);
    expect((await take(subA, 2)).map((e) => e.type)).toEqual(['A', 'A']);
    expect((await take(subB, 1)).map((e) => e.type)).toEqual(['B']);
    expect(hub.tenants.sort()).toEqual(['tenant-a', 'tenant-b']);
    await subB.return();
    const readsOfB = b.calls.length;
    a.appendMany(3);
    await take(subA, 3);
    await sleep(40);
    expect(b.calls.length).toBe(readsOfB);
  });
});

describe('stats', () => {
  test('counters for the metrics: subscribers, modes, buffers, lag, reads', async () => {
    const hub = makeHub({ bufferSize: 4, pageSize: 2 });
    const log = wiredLog(hub);
    log.appendMany(10);
    const live = await hub.events(log);
    const behind = await hub.events(log, { after: 0 });
    await hub.streamEvents(log, { stream: { name: 'quiet' } });
    expect(hub.setupReads).toBe(1 + 1 + 2);
    await until(() => (hub.tenantStats(log.tenant)?.bufferedEvents ?? 0) === 4, 'the buffer to fill');
    expect(hub.subscriberCount(log.tenant)).toBe(3);
    expect(hub.subscriptionCount).toBe(3);
    expect(hub.tenantStats(log.tenant)).toMatchObject({
      tenant: log.tenant,
      subscriptions: 3,
      live: 2,
      catchingUp: 1, // `behind` holds 4 events and waits for room to read more
      pollerRunning: true,
      pollerPosition: 10,
      knownHead: 10,
      pollerLag: 0,
      bufferedEvents: 4,
      largestBuffer: 4,
      maxSubscriberLag: 10,
    });
    expect(hub.catchUpReads).toBe(hub.tenantStats(log.tenant)?.catchUpReads);
    expect(hub.pollReads).toBe(hub.tenantStats(log.tenant)?.pollReads);
    expect(positions(await take(behind, 10))).toEqual(range(1, 10));
    log.appendMany(2);
    await take(live, 2);
    await take(behind, 2);
    expect(hub.tenantStats(log.tenant)).toMatchObject({ live: 3, bufferedEvents: 0, maxSubscriberLag: 0 });
    expect(hub.stats()).toMatchObject({ subscriptions: 3, setupReads: 4, overflows: 0 });
    expect(hub.stats().tenants).toHaveLength(1);
  });
});

describe('errors', () => {
  test('failed poller reads are retried and reported; nothing is lost', async () => {
    const errors: unknown[] = [];
    const hub = makeHub({ onReadError: (error, where) => errors.push([where.reader, error]) });
    const log = wiredLog(hub);
    let failures = 0;
    log.beforeRead = (call) => {
      if (call.kind === 'log' && failures < 3) {
        failures++;
        throw new StoreUnavailableError('throttled');
      }
    };
    const sub = await hub.events(log);
    log.appendMany(4);
    expect(positions(await take(sub, 4))).toEqual([1, 2, 3, 4]);
    expect(errors).toHaveLength(3);
    expect(hub.tenantStats(log.tenant)?.pollErrors).toBe(3);
  });

  test('a history read refused as invalid ends the subscription with that error', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(3);
    log.beforeRead = (call) => {
      if (call.kind === 'log') throw new InvalidInputError('no', ['after']);
    };
    const sub = await hub.events(log, { after: 1 });
    await expect(sub.next()).rejects.toBeInstanceOf(InvalidInputError);
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    expect(hub.subscriptionCount).toBe(0);
  });

  test('after must be a position no greater than the head', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    log.appendMany(3);
    await expect(hub.events(log, { after: 4 })).rejects.toMatchObject({ path: ['after'] });
    await expect(hub.events(log, { after: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(hub.events(log, { after: 1.5 })).rejects.toBeInstanceOf(InvalidInputError);
    expect(hub.subscriptionCount).toBe(0);
    expect(hub.tenantStats(log.tenant)).toBeUndefined();
  });
});

describe('ending', () => {
  test('return() ends a pending next() at once and leaves the feed', async () => {
    const hub = makeHub();
    const log = wiredLog(hub);
    const sub = await hub.events(log);
    const other = await hub.events(log);
    const pending = sub.next();
    expect(await sub.return()).toEqual({ done: true, value: undefined });
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hub.subscriberCount(log.tenant)).toBe(1);
    log.appendMany(1);
    expect(positions(await take(other, 1))).toEqual([1]);
    expect(await sub.next()).toEqual({ done: true, value: undefined });
  });

  test('close() completes every subscription, stops the pollers, and refuses new ones', async () => {
    const hub = makeHub();
    const a = wiredLog(hub, 'tenant-a');
    const b = wiredLog(hub, 'tenant-b');
    a.appendMany(50);
    const subs = [await hub.events(a), await hub.events(a, { after: 0 }), await hub.events(b)];
    const batches = await hub.eventBatches(b, { maxWaitMs: 60_000 });
    const pending = [...subs.map((s) => s.next()), batches.next()];
    await hub.close();
    const results = await Promise.all(pending);
    // The catching-up one may have had an event ready; every iterator is done afterwards.
    expect(results.filter((r) => !r.done).length).toBeLessThanOrEqual(1);
    for (const sub of [...subs, batches]) expect(await sub.next()).toEqual({ done: true, value: undefined });
    expect(hub.subscriptionCount).toBe(0);
    const readsAfterClose = a.calls.length + b.calls.length;
    a.appendMany(2);
    await sleep(40);
    expect(a.calls.length + b.calls.length).toBe(readsAfterClose);
    await expect(hub.events(a)).rejects.toBeInstanceOf(SubscriptionHubClosedError);
  });
});
