// The hub on the real store over DynamoDB Local: two "gateways" (each its own DynamoDB client,
// store, group committers and hub, the store's observer wired to its hub) on one table, writers
// racing through both, subscribers of every kind on both.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, test } from 'vitest';
import type { EventFilter, EventStore, RecordedEvent } from '../../src/store/index.js';
import { compileEventFilter, streamIdForName } from '../../src/store/index.js';
import {
  type EventBatch,
  type EventSubscription,
  SubscriptionHub,
  type SubscriptionHubOptions,
} from '../../src/subscriptions/index.js';
import { countCalls, createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';
import { positions, seededRandom, sleep, take, until } from './helpers.js';

const prefix = uniquePrefix('subs');
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Gateway {
  hub: SubscriptionHub;
  store: EventStore;
  client: DynamoDBClient;
  /** DynamoDB Query commands this gateway's client sent. */
  queries: () => number;
}

async function gateway(options: SubscriptionHubOptions = {}): Promise<Gateway> {
  const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 100 }, ...options });
  const client = testClient();
  const calls = countCalls(client);
  const { store } = await createTestStore(prefix, { client, observer: hub.observer });
  cleanups.push(async () => {
    await hub.close();
    await store.close();
    client.destroy();
  });
  return { hub, store, client, queries: () => calls.get('QueryCommand') };
}

function wholeLog(store: EventStore, tenant: string): Promise<RecordedEvent[]> {
  return readWholeLog(store.forTenant(tenant));
}

/** Collects everything an iterator yields until it ends. */
function follow<T>(iterator: AsyncIterableIterator<T>): { received: T[]; done: Promise<void> } {
  const received: T[] = [];
  const done = (async () => {
    for await (const value of iterator) received.push(value);
  })();
  return { received, done };
}

describe('subscriptions over DynamoDB Local', () => {
  test('two gateways, racing writers through both, subscribers of every kind on both: each gets exactly its events in order', async () => {
    const a = await gateway({ bufferSize: 32, pageSize: 50 });
    const b = await gateway({ bufferSize: 32, pageSize: 50 });
    const tenant = uniqueTenant('subs');
    const random = seededRandom(7);
    const categories = [null, 'orders', 'users'];
    const types = ['Created', 'Changed', 'Removed'];
    const append = (gw: Gateway) =>
      gw.store.forTenant(tenant).append({
        stream: {
          name: `s${Math.floor(random() * 8)}`,
          category: categories[Math.floor(random() * categories.length)] ?? null,
        },
        events: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
          type: types[Math.floor(random() * types.length)] ?? 'Created',
          data: { at: Date.now() },
        })),
      });
    for (let i = 0; i < 20; i++) await append(i % 2 ? a : b);

    const filter: EventFilter = { categories: ['orders'], types: ['Created', 'Changed'] };
    type Follower = {
      name: string;
      start: number;
      matches: (e: RecordedEvent) => boolean;
      got: () => number[];
    };
    const followers: Follower[] = [];
    const iterators: Array<EventSubscription<RecordedEvent> | EventSubscription<EventBatch>> = [];
    const addEvents = async (name: string, gw: Gateway, after?: number, f?: EventFilter) => {
      const sub = await gw.hub.events(gw.store.forTenant(tenant), { after, filter: f });
      const followed = follow(sub);
      iterators.push(sub);
      followers.push({
        name,
        start: sub.startPosition,
        matches: compileEventFilter(f),
        got: () => positions(followed.received),
      });
    };
    const addBatches = async (name: string, gw: Gateway, after?: number, f?: EventFilter) => {
      const sub = await gw.hub.eventBatches(gw.store.forTenant(tenant), {
        after,
        filter: f,
        maxSize: 7,
        maxWaitMs: 30,
      });
      const followed = follow(sub);
      iterators.push(sub);
      followers.push({
        name,
        start: sub.startPosition,
        matches: compileEventFilter(f),
        got: () => followed.received.flatMap((batch) => positions(batch.events)),
      });
      return followed;
    };
    await addEvents('a: head', a);
    await addEvents('b: head', b);
    await addEvents('b: head, filtered', b, undefined, filter);
    const batchesA = await addBatches('a: batches from 5, filtered', a, 5, filter);
    const streamSub = await b.hub.streamEvents(b.store.forTenant(tenant), {
      stream: { name: 's3' },
      afterVersion: 0,
    });
    const streamFollowed = follow(streamSub);
    iterators.push(streamSub);

    const writers = [a, a, b, b].map(async (gw) => {
      for (let i = 0; i < 40; i++) {
        await append(gw);
        if (random() < 0.3) await sleep(Math.floor(random() * 10));
      }
    });
    // Late joiners, while the writers run: from the start, from the middle, batched.
    await sleep(150);
    await addEvents('a: from 0', a, 0);
    await addEvents('b: from 10, filtered', b, 10, filter);
    await addBatches('b: batches from 0', b, 0);
    await Promise.all(writers);

    const log = await wholeLog(a.store, tenant);
    expect(positions(log)).toEqual(log.map((_, i) => i + 1));
    for (const follower of followers) {
      const expected = positions(log.filter((e) => e.position > follower.start && follower.matches(e)));
      await until(() => follower.got().length >= expected.length, `${follower.name} to catch up`, 20_000);
      await sleep(50);
      expect({ name: follower.name, positions: follower.got() }).toEqual({
        name: follower.name,
        positions: expected,
      });
    }
    // Batch checkpoints are at least their last event and never go back.
    const checkpoints = batchesA.received.map((batch) => batch.checkpoint);
    expect(checkpoints).toEqual([...checkpoints].sort((x, y) => x - y));
    for (const batch of batchesA.received) {
      expect(batch.checkpoint).toBeGreaterThanOrEqual(batch.events.at(-1)?.position ?? 0);
      expect(batch.events.length).toBeLessThanOrEqual(7);
    }
    const s3 = log.filter((e) => e.stream.id === streamIdForName('s3') && e.stream.category === null);
    await until(() => streamFollowed.received.length >= s3.length, 'the stream follower', 20_000);
    expect(positions(streamFollowed.received)).toEqual(positions(s3));
    expect(streamFollowed.received.map((e) => e.version)).toEqual(s3.map((_, i) => i + 1));

    for (const iterator of iterators) await iterator.return();
    expect(a.hub.subscriptionCount + b.hub.subscriptionCount).toBe(0);
  });

  test('resuming with after gets exactly the events missed while away', async () => {
    const a = await gateway();
    const tenant = uniqueTenant('resume');
    const store = a.store.forTenant(tenant);
    const first = await a.hub.events(store);
    await store.append({ stream: { name: 'r' }, events: [1, 2, 3].map((n) => ({ type: 'N', data: n })) });
    const seen = await take(first, 2);
    await first.return();
    await store.append({ stream: { name: 'r' }, events: [4, 5].map((n) => ({ type: 'N', data: n })) });
    const resumed = await a.hub.events(store, { after: seen.at(-1)?.position ?? 0 });
    await store.append({ stream: { name: 'r' }, events: [{ type: 'N', data: 6 }] });
    expect((await take(resumed, 4)).map((e) => e.data)).toEqual([3, 4, 5, 6]);
    await resumed.return();
  });

  test('a consumer that stops pulling keeps a bounded buffer and still receives everything', async () => {
    const gw = await gateway({ bufferSize: 8, pageSize: 5 });
    const tenant = uniqueTenant('slow');
    const store = gw.store.forTenant(tenant);
    const slow = await gw.hub.events(store);
    const fast = follow(await gw.hub.events(store));
    let largest = 0;
    for (let i = 0; i < 20; i++) {
      await store.append({
        stream: { name: `slow-${i % 3}` },
        events: Array.from({ length: 10 }, (_, k) => ({ type: 'T', data: i * 10 + k })),
      });
      largest = Math.max(largest, gw.hub.tenantStats(tenant)?.largestBuffer ?? 0);
    }
    await until(() => fast.received.length === 200, 'the fast consumer');
    expect(largest).toBeLessThanOrEqual(8);
    expect(gw.hub.overflows).toBeGreaterThan(0);
    const all = await take(slow, 200, 20_000);
    expect(all.map((e) => e.data)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(positions(all)).toEqual(positions(fast.received));
    await slow.return();
  });

  test("the poller's Query count over a window is the same with 1 and 200 subscribers, and zero with none", async () => {
    const tenant = uniqueTenant('reads');
    const writer = await gateway(); // "another gateway": its appends are only found by polling
    const writerStore = writer.store.forTenant(tenant);
    await writerStore.append({ stream: { name: 'w' }, events: [{ type: 'T', data: 0 }] });

    // Three gateways poll the tenant over the same window, so timer jitter on a busy machine
    // hits them alike: one with no subscriber, one with 1, one with 200.
    const counts = [0, 1, 200];
    const readers = await Promise.all(
      counts.map(async (subscribers) => {
        const gw = await gateway({ poll: { activeIntervalMs: 50, maxIntervalMs: 200 } });
        const store = gw.store.forTenant(tenant);
        const subs = await Promise.all(Array.from({ length: subscribers }, () => gw.hub.events(store)));
        return { gw, subs, followed: subs.map((sub) => follow(sub)) };
      }),
    );
    // Let the pollers settle into their idle pace, so the window starts alike for each.
    await sleep(700);
    const before = readers.map(({ gw }) => gw.queries());
    // A window with an idle stretch and a stretch of appends every 60 ms.
    await sleep(600);
    for (let i = 0; i < 10; i++) {
      await writerStore.append({ stream: { name: 'w' }, events: [{ type: 'T', data: i }] });
      await sleep(60);
    }
    await sleep(300);
    const [none = -1, one = -1, many = -1] = readers.map(
      ({ gw }, index) => gw.queries() - (before[index] ?? 0),
    );
    for (const { subs, followed } of readers) {
      await until(
        () => followed.every((f) => f.received.length === 10),
        'every subscriber to get the 10 events',
      );
      for (const sub of subs) await sub.return();
    }
    expect(none).toBe(0);
    expect(one).toBeGreaterThan(5);
    // Timers on a busy machine jitter; the number of subscribers must not show.
    expect(Math.abs(many - one)).toBeLessThanOrEqual(Math.max(3, Math.ceil(one * 0.25)));
  });
});
