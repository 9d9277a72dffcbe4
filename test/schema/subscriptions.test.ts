/**
 * The contract's Subscription fields over graphql-ws against a real gateway on DynamoDB Local:
 * `events`, `eventBatches`, `streamEvents`, with and without `after`, each filter, batch sizes
 * and the time limit, checkpoints, tenant isolation, resuming after a disconnect, argument
 * errors, fresh stream metadata, and SSE. Each test has its own tenant, so its log starts at 1.
 */
import { describe, expect, test } from 'vitest';
import {
  type EventFilter,
  LogDocument,
  OnEventBatchesDocument,
  OnEventsDocument,
  OnPositionsDocument,
  OnStreamEventsDocument,
} from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event, type Ref } from '../support/fixtures.js';
import { subscriptionsStarted, useSubscriptionClients } from '../support/subscriptions.js';

const tenants = Array.from({ length: 24 }, (_, i) => `subs-${i}`);
const keyOf = (tenant: string) => `key-for-${tenant}-0123456789`;
const api = useTestApi({ apiKeys: Object.fromEntries(tenants.map((tenant) => [keyOf(tenant), tenant])) });
const clients = useSubscriptionClients();

let nextTenant = 0;
/** A tenant of its own for one test, with helpers bound to its key. */
function tenantForTest() {
  const tenant = tenants[nextTenant++];
  if (tenant === undefined) throw new Error('add tenants to this file');
  const key = keyOf(tenant);
  return {
    tenant,
    key,
    ws: () => clients.ws(api().url, { key }),
    append: (stream: Ref, events: { type: string; data: unknown }[], expectedVersion?: number) =>
      appendOk(api(), stream, events, expectedVersion, { key }),
    log: async (filter?: EventFilter) => {
      const { events } = await api().data(LogDocument, { after: 0, first: 1000, filter }, { key });
      return events.edges.map((edge) => edge.node);
    },
    started: (count: number) => subscriptionsStarted(api().app, tenant, count),
  };
}

const positions = (items: { events: { position: number } }[]) => items.map((item) => item.events.position);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Subscription.events', () => {
  test('without `after`: from the head at subscription time, new events in position order', async () => {
    const t = tenantForTest();
    await t.append({ name: 'before' }, [event('Old'), event('Old')]);
    const sub = t.ws().subscribe(OnEventsDocument, {});
    await t.started(1);
    await t.append({ name: 'a', category: 'cat' }, [event('A1', { n: 1 }), event('A2', { n: 2 })]);
    await t.append({ name: 'b' }, [event('B1', { n: 3 })]);

    const items = await sub.waitFor(3);
    expect(sub.errors).toEqual([]);
    expect(items.map((item) => [item.events.position, item.events.type, item.events.data])).toEqual([
      [3, 'A1', { n: 1 }],
      [4, 'A2', { n: 2 }],
      [5, 'B1', { n: 3 }],
    ]);
    expect(items[0]?.events.stream).toMatchObject({ name: 'a', category: 'cat', version: 2 });
    expect(items[2]?.events.version).toBe(1);
  });

  test('with `after`: the history after it, then live, each once', async () => {
    const t = tenantForTest();
    for (let i = 0; i < 5; i++) await t.append({ name: `s${i % 2}` }, [event(`E${i}`)]);
    const fromTwo = t.ws().subscribe(OnEventsDocument, { after: 2 });
    const fromZero = t.ws().subscribe(OnEventsDocument, { after: 0 });
    const atHead = t.ws().subscribe(OnEventsDocument, { after: 5 });
    await fromTwo.waitFor(3);
    await fromZero.waitFor(5);
    await t.started(3);
    await t.append({ name: 's9' }, [event('Live1'), event('Live2')]);

    expect(positions(await fromTwo.waitFor(5))).toEqual([3, 4, 5, 6, 7]);
    expect(positions(await fromZero.waitFor(7))).toEqual(range(1, 7));
    expect(positions(await atHead.waitFor(2))).toEqual([6, 7]);
    const log = await t.log();
    expect(fromZero.items.map((item) => item.events.id)).toEqual(log.map((e) => e.id));
  });

  test('each filter, and filters combined (AND across fields, OR within one), over history and live', async () => {
    const t = tenantForTest();
    const orderA = { name: uniqueName('order'), category: 'order' };
    const orderB = { name: uniqueName('order'), category: 'order' };
    const payment = { name: uniqueName('payment'), category: 'payment' };
    const plain = { name: uniqueName('plain') };
    const write = async (round: number) => {
      await t.append(orderA, [event('Placed', { round }), event('Paid', { round })]);
      await t.append(payment, [event('Paid', { round })]);
      await t.append(plain, [event('Note', { round })]);
      await t.append(orderB, [event('Shipped', { round })]);
    };
    await write(1);
    const orderAId = (await t.log()).find((e) => e.stream.name === orderA.name)?.stream.id;
    expect(orderAId).toBeDefined();
    const filters: EventFilter[] = [
      { categories: ['order'] },
      { categories: ['order', 'payment'] },
      { types: ['Paid'] },
      { types: ['Paid', 'Note'] },
      { streamIds: [orderAId!] },
      { categories: ['order'], types: ['Paid', 'Shipped'] },
      { categories: ['payment'], streamIds: [orderAId!] },
    ];
    const client = t.ws();
    const subs = filters.map((filter) => client.subscribe(OnEventsDocument, { after: 0, filter }));
    await t.started(filters.length);
    await write(2);
    await write(3);

    const total = (await t.log()).length;
    expect(total).toBe(15);
    for (const [index, filter] of filters.entries()) {
      const expected = await t.log(filter);
      const sub = subs[index]!;
      await sub.waitFor(expected.length);
      expect(sub.errors).toEqual([]);
      expect(
        sub.items.map((item) => item.events.id),
        JSON.stringify(filter),
      ).toEqual(expected.map((e) => e.id));
    }
    // The AND of disjoint selections is empty.
    expect(subs[6]!.items).toEqual([]);
    expect(subs[5]!.items.map((item) => item.events.type)).toEqual([
      'Paid',
      'Shipped',
      'Paid',
      'Shipped',
      'Paid',
      'Shipped',
    ]);
  });

  test('Event.stream is fresh for every delivered event, not the metadata loaded for the first', async () => {
    const t = tenantForTest();
    const stream = { name: uniqueName('fresh') };
    const sub = t.ws().subscribe(OnEventsDocument, {});
    await t.started(1);
    for (let i = 1; i <= 3; i++) {
      await t.append(stream, [event(`V${i}`)]);
      await sub.waitFor(i);
    }
    expect(sub.items.map((item) => [item.events.version, item.events.stream.version])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  test('resume after a disconnect with `after`: exactly the missing events', async () => {
    const t = tenantForTest();
    const first = t.ws();
    const sub = first.subscribe(OnPositionsDocument, { after: 0 });
    await t.started(1);
    for (let i = 0; i < 4; i++) await t.append({ name: `r${i % 2}` }, [event('R'), event('R')]);
    await sub.waitFor(8);
    await first.dispose();
    const lastSeen = sub.items.at(-1)!.events.position;
    expect(lastSeen).toBe(8);

    // Missed while disconnected.
    for (let i = 0; i < 3; i++) await t.append({ name: `r${i % 2}` }, [event('Missed')]);
    const resumed = t.ws().subscribe(OnPositionsDocument, { after: lastSeen });
    await t.started(1);
    await t.append({ name: 'r0' }, [event('AfterResume')]);

    const items = await resumed.waitFor(4);
    const log = await t.log();
    expect(items.map((item) => item.events.id)).toEqual(log.slice(lastSeen).map((e) => e.id));
    expect(items.map((item) => item.events.type)).toEqual(['Missed', 'Missed', 'Missed', 'AfterResume']);
    // Across both connections: every event once, in order.
    expect([...sub.items, ...items].map((item) => item.events.position)).toEqual(range(1, 12));
  });
});

type BatchItem = { eventBatches: { events: unknown[] } };
const hasEvents = (item: BatchItem) => item.eventBatches.events.length > 0;
const withEvents = (items: BatchItem[]) => items.some(hasEvents);

describe('Subscription.eventBatches', () => {
  test('caughtUp: a subscription at the head gets a first caught-up batch, empty, within maxWaitMs', async () => {
    const t = tenantForTest();
    await t.append({ name: 'early' }, [event('Early')]);
    const started = Date.now();
    const sub = t.ws().subscribe(OnEventBatchesDocument, { maxWaitMs: 200 });
    const [first] = await sub.waitFor(1);
    expect(sub.errors).toEqual([]);
    expect(first?.eventBatches).toEqual({ checkpoint: 1, caughtUp: true, events: [] });
    expect(Date.now() - started).toBeLessThan(2000);

    await t.append({ name: 'late' }, [event('Late')]);
    const items = await sub.waitUntil((all) => all.some((item) => item.eventBatches.checkpoint >= 2));
    expect(items.at(-1)?.eventBatches).toMatchObject({
      checkpoint: 2,
      caughtUp: true,
      events: [{ position: 2 }],
    });
  });

  test('caughtUp: false on the batches read from history, true on the one that reaches the head', async () => {
    const t = tenantForTest();
    await t.append(
      { name: 'old' },
      Array.from({ length: 25 }, (_, i) => event('Old', { i })),
    );
    const sub = t.ws().subscribe(OnEventBatchesDocument, { after: 0, maxSize: 10, maxWaitMs: 100 });
    const items = await sub.waitUntil((all) => all.some((item) => item.eventBatches.checkpoint >= 25));
    expect(items.map((item) => [item.eventBatches.checkpoint, item.eventBatches.caughtUp])).toEqual([
      [10, false],
      [20, false],
      [25, true],
    ]);
  });

  test('batches of maxSize while events are waiting; the rest after maxWaitMs; checkpoints resume', async () => {
    const t = tenantForTest();
    await t.append(
      { name: 'big' },
      Array.from({ length: 25 }, (_, i) => event('Bulk', { i })),
    );
    const sub = t.ws().subscribe(OnEventBatchesDocument, { after: 0, maxSize: 10, maxWaitMs: 300 });
    const items = await sub.waitFor(3);
    expect(sub.errors).toEqual([]);
    expect(items.map((item) => item.eventBatches.events.length)).toEqual([10, 10, 5]);
    expect(items.map((item) => item.eventBatches.events.map((e) => e.position))).toEqual([
      range(1, 10),
      range(11, 20),
      range(21, 25),
    ]);
    expect(items.map((item) => item.eventBatches.checkpoint)).toEqual([10, 20, 25]);
  });

  test('the time limit sends a batch smaller than maxSize, holding what arrived within it', async () => {
    const t = tenantForTest();
    const sub = t.ws().subscribe(OnEventBatchesDocument, { maxSize: 1000, maxWaitMs: 200 });
    await t.started(1);
    await t.append({ name: 'few' }, [event('One'), event('Two'), event('Three')]);
    // At the head, an empty caught-up batch may come first (maxWaitMs after the start).
    const batch = (await sub.waitUntil(withEvents)).find(hasEvents);
    expect(batch?.eventBatches.events.map((e) => [e.position, e.type])).toEqual([
      [1, 'One'],
      [2, 'Two'],
      [3, 'Three'],
    ]);
    expect(batch?.eventBatches.checkpoint).toBe(3);
  });

  test('default arguments (maxSize 100, maxWaitMs 100) deliver too', async () => {
    const t = tenantForTest();
    await t.append({ name: 'd' }, [event('D')]);
    const sub = t.ws().subscribe(OnEventBatchesDocument, { after: 0 });
    const [batch] = await sub.waitFor(1);
    expect(batch?.eventBatches).toMatchObject({ checkpoint: 1, events: [{ position: 1, type: 'D' }] });
  });

  test('a filtered batch checkpoint advances past skipped events; resuming there repeats and misses nothing', async () => {
    const t = tenantForTest();
    const filter = { types: ['Wanted'] };
    const sub = t.ws().subscribe(OnEventBatchesDocument, { after: 0, filter, maxWaitMs: 50 });
    await t.started(1);
    await t.append({ name: 'f' }, [event('Wanted'), event('Other'), event('Other')]);
    const batch = (await sub.waitUntil(withEvents)).find(hasEvents);
    expect(batch?.eventBatches.events.map((e) => e.position)).toEqual([1]);
    expect(batch?.eventBatches.checkpoint).toBe(3);
    sub.unsubscribe();

    await t.append({ name: 'f' }, [event('Other'), event('Wanted')]);
    const resumed = t.ws().subscribe(OnEventBatchesDocument, {
      after: batch!.eventBatches.checkpoint,
      filter,
      maxWaitMs: 50,
    });
    const [next] = await resumed.waitFor(1);
    expect(next?.eventBatches.events.map((e) => [e.position, e.type])).toEqual([[5, 'Wanted']]);
    expect(next?.eventBatches.checkpoint).toBe(5);
  });
});

describe('Subscription.streamEvents', () => {
  test("one stream's events after afterVersion, or after its current version; no other stream's", async () => {
    const t = tenantForTest();
    const name = uniqueName('tail');
    const stream = { name, category: 'order' };
    await t.append(stream, [event('V1'), event('V2'), event('V3')], 0);
    const client = t.ws();
    const current = client.subscribe(OnStreamEventsDocument, { stream });
    const fromOne = client.subscribe(OnStreamEventsDocument, { stream, afterVersion: 1 });
    await fromOne.waitFor(2);
    await t.started(2);
    // Same name, other category, and another stream: not delivered.
    await t.append({ name, category: 'other' }, [event('Elsewhere')]);
    await t.append({ name: uniqueName() }, [event('Elsewhere')]);
    await t.append(stream, [event('V4'), event('V5')], 3);

    const versions = (items: { streamEvents: { version: number; type: string } }[]) =>
      items.map((item) => [item.streamEvents.version, item.streamEvents.type]);
    expect(versions(await current.waitFor(2))).toEqual([
      [4, 'V4'],
      [5, 'V5'],
    ]);
    expect(versions(await fromOne.waitFor(4))).toEqual([
      [2, 'V2'],
      [3, 'V3'],
      [4, 'V4'],
      [5, 'V5'],
    ]);
    expect(current.items[0]?.streamEvents.stream).toMatchObject({ name, category: 'order', version: 5 });
    // Nothing else arrived meanwhile.
    await t.append(stream, [event('V6')], 5);
    await current.waitFor(3);
    expect(versions(current.items).map(([version]) => version)).toEqual([4, 5, 6]);
  });
});

describe('tenants', () => {
  test("a tenant's subscriptions never receive another tenant's events", async () => {
    const a = tenantForTest();
    const b = tenantForTest();
    const subA = a.ws().subscribe(OnEventsDocument, { after: 0 });
    const subB = b.ws().subscribe(OnEventsDocument, { after: 0 });
    const batchesB = b.ws().subscribe(OnEventBatchesDocument, { after: 0, maxWaitMs: 20 });
    await Promise.all([a.started(1), b.started(2)]);
    const shared = { name: 'same-name-in-both' };
    await b.append(shared, [event('ForB', { tenant: 'b' })]);
    await a.append(shared, [event('ForA', { tenant: 'a' }), event('ForA', { tenant: 'a' })]);
    await b.append(shared, [event('ForB', { tenant: 'b' })]);

    expect((await subA.waitFor(2)).map((item) => [item.events.position, item.events.type])).toEqual([
      [1, 'ForA'],
      [2, 'ForA'],
    ]);
    expect((await subB.waitFor(2)).map((item) => [item.events.position, item.events.type])).toEqual([
      [1, 'ForB'],
      [2, 'ForB'],
    ]);
    await batchesB.waitUntil((items) => items.at(-1)?.eventBatches.checkpoint === 2);
    expect(batchesB.items.flatMap((item) => item.eventBatches.events.map((e) => e.type))).toEqual([
      'ForB',
      'ForB',
    ]);
    // Once more after a round trip: nothing of the other tenant arrived late.
    await a.append(shared, [event('ForA')]);
    await subA.waitFor(3);
    expect(subB.items).toHaveLength(2);
  });
});

describe('argument errors', () => {
  test.each([
    [
      'after beyond the head',
      OnEventsDocument,
      { after: 99 },
      ['after'],
      /after is beyond the last position/,
    ],
    ['maxSize 0', OnEventBatchesDocument, { maxSize: 0 }, ['maxSize'], /maxSize must be an integer from 1/],
    [
      'maxWaitMs above the limit',
      OnEventBatchesDocument,
      { maxWaitMs: 60_001 },
      ['maxWaitMs'],
      /maxWaitMs must be an integer from 0/,
    ],
    [
      'a negative afterVersion',
      OnStreamEventsDocument,
      { stream: { name: 'x' }, afterVersion: -1 },
      ['afterVersion'],
      /afterVersion must be/,
    ],
    [
      'a stream ref whose id and name disagree',
      OnStreamEventsDocument,
      { stream: { name: 'x', id: '00000000-0000-4000-8000-000000000000' } },
      ['stream', 'id'],
      /./,
    ],
  ] as const)(
    '%s: a BAD_USER_INPUT error naming the argument, no stack',
    async (_, document, variables, path, message) => {
      const t = tenantForTest();
      const sub = t.ws().subscribe(document as never, variables as never);
      expect(await sub.ended).toBe('complete');
      const errors = sub.errors;
      expect(errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(message),
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', inputPath: [...path] }),
        }),
      ]);
      expect(JSON.stringify(errors)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    },
  );

  test('a malformed position or stream id is refused by the schema before anything starts', async () => {
    const t = tenantForTest();
    const client = t.ws();
    const negative = client.subscribe(OnEventsDocument, { after: -1 });
    const badId = client.subscribe(OnEventsDocument, { filter: { streamIds: ['not-a-uuid'] } });
    await Promise.all([negative.ended, badId.ended]);
    expect(negative.errors[0]?.message).toMatch(/Position is an integer/);
    expect(badId.errors[0]?.message).toMatch(/UUID/);
    expect(api().app.subscriptions.subscriberCount(t.tenant)).toBe(0);
  });
});

describe('SSE', () => {
  test('a subscription over text/event-stream on /graphql, with the HTTP key; 401 without', async () => {
    const t = tenantForTest();
    const refused = clients.sse(api().url, OnEventsDocument, {});
    expect(await refused.status).toBe(401);

    const sub = clients.sse(api().url, OnEventsDocument, { after: 0 }, { key: t.key });
    expect(await sub.status).toBe(200);
    await t.started(1);
    await t.append({ name: 'sse', category: 'c' }, [event('S1', { x: 1 }), event('S2')]);
    const items = await sub.waitFor(2);
    expect(
      items.map((item) => [item.events.position, item.events.type, item.events.stream.category]),
    ).toEqual([
      [1, 'S1', 'c'],
      [2, 'S2', 'c'],
    ]);
    sub.unsubscribe();
    await expect.poll(() => api().app.subscriptions.subscriberCount(t.tenant)).toBe(0);
  });
});
