/**
 * The behaviour every EventStore implementation must show. Run by each implementation's test
 * file with a factory that gives a fresh store; each test uses its own tenant.
 *
 * Its log part, {@link logContract}, needs only a tenant's log (appends, deletion, `readLog`,
 * `headPosition`): it also runs against the hub tests' in-memory log
 * (`test/subscriptions/fake-log.test.ts`), so that the fake keeps the store's read rules.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  type EventStore,
  type JsonValue,
  type RecordedEvent,
  StreamNotFoundError,
  streamIdForName,
  type TenantEventStore,
} from '../../src/store/index.js';
import { categoriesContract } from './categories.contract.js';
import { eventIdContract } from './event-ids.contract.js';
import { multiStreamContract } from './multi-stream.contract.js';

export interface ContractContext {
  store: EventStore;
}

const tenantOf = (store: EventStore) => store.forTenant(`contract-${randomUUID().slice(0, 8)}`);
const versions = (events: readonly { version: number }[]) => events.map((event) => event.version);
const positions = (events: readonly { position: number }[]) => events.map((event) => event.position);
const nodes = <T>(page: { edges: { node: T }[] }) => page.edges.map((edge) => edge.node);

async function appendN(store: TenantEventStore, name: string, count: number, category: string | null = null) {
  const events = Array.from({ length: count }, (_, index) => ({ type: 'Counted', data: { index } }));
  return store.append({ stream: { name, category }, events });
}

export function eventStoreContract(setup: () => Promise<ContractContext>) {
  let store: EventStore;
  const fresh = async () => {
    store ??= (await setup()).store;
    return tenantOf(store);
  };

  describe('named streams and categories', () => {
    test('a stream addressed by name gets the UUIDv5 id python-event-sourcery gives it', async () => {
      const tenant = await fresh();
      const result = await tenant.append({
        stream: { name: 'order-42' },
        events: [{ type: 'Created', data: {} }],
      });
      // Reference value: uuid5(UUID('3a24a3ee-d33d-4266-93ab-7d8e256a6d44'), 'order-42') in Python.
      expect(result.stream.id).toBe('8622a318-a563-5b28-ab9c-e7fa4de2e4ea');
      expect(streamIdForName('order-42')).toBe(result.stream.id);
      expect(result.stream.name).toBe('order-42');
      const byId = await tenant.getStream({ id: result.stream.id });
      expect(byId).toMatchObject({ id: result.stream.id, name: 'order-42', category: null, version: 1 });
    });

    test('an id and a name that disagree are refused and nothing is written', async () => {
      const tenant = await fresh();
      await expect(
        tenant.append({ stream: { id: randomUUID(), name: 'x' }, events: [{ type: 'A', data: 1 }] }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', path: ['stream', 'id'] });
      expect(await tenant.headPosition()).toBe(0);
      const agreeing = await tenant.append({
        stream: { id: streamIdForName('x'), name: 'x' },
        events: [{ type: 'A', data: 1 }],
      });
      expect(agreeing.stream.id).toBe(streamIdForName('x'));
    });

    test('the same id in two categories are two streams, each keeping its name and category', async () => {
      const tenant = await fresh();
      await appendN(tenant, 'shared', 2, 'order');
      await appendN(tenant, 'shared', 3, 'invoice');
      await appendN(tenant, 'shared', 1, null);
      expect(await tenant.getStream({ name: 'shared', category: 'order' })).toMatchObject({
        version: 2,
        category: 'order',
      });
      expect(await tenant.getStream({ name: 'shared', category: 'invoice' })).toMatchObject({ version: 3 });
      expect(await tenant.getStream({ name: 'shared' })).toMatchObject({
        version: 1,
        category: null,
        name: 'shared',
      });
      const orders = nodes(await tenant.listStreams({ category: 'order' }));
      expect(orders.map((stream) => [stream.name, stream.category])).toEqual([['shared', 'order']]);
      expect(nodes(await tenant.listStreams({})).length).toBe(3);
      expect(nodes(await tenant.listStreams({ category: null })).map((stream) => stream.category)).toEqual([
        null,
      ]);
    });

    test('categories and tenants containing key separators cannot reach other keys', async () => {
      const tenant = await fresh();
      await appendN(tenant, 'a', 1, 'x#S#y');
      await appendN(tenant, 'a', 1, 'x');
      expect(await tenant.getStream({ name: 'a', category: 'x#S#y' })).toMatchObject({ version: 1 });
      expect(await tenant.getStream({ name: 'a', category: 'x' })).toMatchObject({ version: 1 });
      expect(nodes(await tenant.listStreams({ category: 'x' })).length).toBe(1);
    });
  });

  describe('versioning rules', () => {
    test('versions count from 1; expectedVersion 0 means the stream must not exist', async () => {
      const tenant = await fresh();
      const first = await tenant.append({
        stream: { name: 's' },
        expectedVersion: 0,
        events: [
          { type: 'A', data: 1 },
          { type: 'B', data: 2 },
        ],
      });
      expect(versions(first.events)).toEqual([1, 2]);
      expect(first.stream).toMatchObject({ versioned: true, version: 2 });
      await expect(
        tenant.append({ stream: { name: 's' }, expectedVersion: 0, events: [{ type: 'C', data: 3 }] }),
      ).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', expectedVersion: 0, actualVersion: 2 });
      const next = await tenant.append({
        stream: { name: 's' },
        expectedVersion: 2,
        events: [{ type: 'C', data: 3 }],
      });
      expect(versions(next.events)).toEqual([3]);
    });

    test('WrongExpectedVersion carries expected and actual versions, also for a missing stream', async () => {
      const tenant = await fresh();
      await expect(
        tenant.append({ stream: { name: 'missing' }, expectedVersion: 4, events: [{ type: 'A', data: 1 }] }),
      ).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', expectedVersion: 4, actualVersion: 0 });
      await tenant.append({ stream: { name: 'v' }, expectedVersion: 0, events: [{ type: 'A', data: 1 }] });
      await expect(
        tenant.append({ stream: { name: 'v' }, expectedVersion: 7, events: [{ type: 'A', data: 1 }] }),
      ).rejects.toMatchObject({ expectedVersion: 7, actualVersion: 1 });
      expect(await tenant.headPosition()).toBe(1);
    });

    test('a versioned stream requires expectedVersion; an unversioned one refuses it', async () => {
      const tenant = await fresh();
      await tenant.append({
        stream: { name: 'versioned' },
        expectedVersion: 0,
        events: [{ type: 'A', data: 1 }],
      });
      await expect(
        tenant.append({ stream: { name: 'versioned' }, events: [{ type: 'A', data: 1 }] }),
      ).rejects.toMatchObject({ code: 'EXPECTED_VERSION_REQUIRED' });
      const loose = await tenant.append({ stream: { name: 'loose' }, events: [{ type: 'A', data: 1 }] });
      expect(loose.stream.versioned).toBe(false);
      await expect(
        tenant.append({ stream: { name: 'loose' }, expectedVersion: 1, events: [{ type: 'A', data: 1 }] }),
      ).rejects.toMatchObject({ code: 'STREAM_IS_UNVERSIONED' });
      const more = await tenant.append({ stream: { name: 'loose' }, events: [{ type: 'B', data: 2 }] });
      expect(versions(more.events)).toEqual([2]);
      expect(await tenant.headPosition()).toBe(3);
    });
  });

  describe('append limits and bad input', () => {
    test('too many events, too many bytes, or malformed events are refused and write nothing', async () => {
      const tenant = await fresh();
      const many = Array.from({ length: 33 }, () => ({ type: 'A', data: 1 }));
      await expect(tenant.append({ stream: { name: 's' }, events: many })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        path: ['events'],
      });
      const big = [
        { type: 'A', data: 'x'.repeat(200 * 1024) },
        { type: 'B', data: 'y'.repeat(60 * 1024) },
      ];
      await expect(tenant.append({ stream: { name: 's' }, events: big })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      const cases: Array<[unknown, string[]]> = [
        [[], ['events']],
        [[{ type: '', data: 1 }], ['events', '0', 'type']],
        [[{ type: 'bad\u0000type', data: 1 }], ['events', '0', 'type']],
        [[{ type: 'A', data: 1, id: 'not-a-uuid' }], ['events', '0', 'id']],
        [[{ type: 'A', data: undefined }], ['events', '0', 'data']],
      ];
      for (const [events, path] of cases) {
        await expect(
          tenant.append({ stream: { name: 's' }, events: events as never }),
          JSON.stringify(events),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT', path });
      }
      let deep: unknown = 1;
      for (let level = 0; level < 100; level++) deep = [deep];
      await expect(
        tenant.append({ stream: { name: 's' }, events: [{ type: 'A', data: deep as never }] }),
      ).rejects.toMatchObject({ path: ['events', '0', 'data'] });
      const id = randomUUID();
      await expect(
        tenant.append({
          stream: { name: 's' },
          events: [
            { id, type: 'A', data: 1 },
            { id, type: 'B', data: 2 },
          ],
        }),
      ).rejects.toMatchObject({ path: ['events', '1', 'id'] });
      expect(await tenant.getStream({ name: 's' })).toBeNull();
      expect(await tenant.headPosition()).toBe(0);
    });

    test('the largest allowed append is stored whole: 32 events and 256 KiB', async () => {
      const tenant = await fresh();
      const events = Array.from({ length: 32 }, (_, index) => ({
        type: 'Big',
        data: 'z'.repeat(8 * 1024 - 20),
        metadata: { index },
      }));
      const result = await tenant.append({ stream: { name: 'big' }, events });
      expect(versions(result.events)).toEqual(Array.from({ length: 32 }, (_, index) => index + 1));
      const read = nodes(await tenant.readStream({ name: 'big' }, { first: 100 }));
      expect(read.length).toBe(32);
      expect(read[31]?.data).toBe('z'.repeat(8 * 1024 - 20));
      expect(read[31]?.metadata).toEqual({ index: 31 });
    });

    test('JSON data and metadata round-trip exactly', async () => {
      const tenant = await fresh();
      const data = {
        n: 1.5,
        big: 9007199254740991,
        neg: -0.001,
        s: 'é\u{1F600}"\\',
        nested: [{ a: [null, true] }],
      };
      await tenant.append({
        stream: { name: 'json' },
        events: [{ type: 'A', data, metadata: { by: 'me' } }],
      });
      const [event] = nodes(await tenant.readStream({ name: 'json' }));
      expect(event?.data).toEqual(data);
      expect(event?.metadata).toEqual({ by: 'me' });
    });
  });

  describe('idempotent retries', () => {
    test('re-sending a stored append returns the stored events and writes nothing', async () => {
      const tenant = await fresh();
      const request = {
        stream: { name: 'idem' },
        expectedVersion: 0,
        events: [
          { id: randomUUID(), type: 'A', data: { a: 1 } },
          { id: randomUUID(), type: 'B', data: { b: 2 } },
        ],
      };
      const first = await tenant.append(request);
      await tenant.append({ stream: { name: 'idem' }, expectedVersion: 2, events: [{ type: 'C', data: 3 }] });
      const retry = await tenant.append(request);
      expect(retry.replayed).toBe(true);
      expect(retry.events).toEqual(first.events);
      expect(await tenant.headPosition()).toBe(3);
      // Unversioned retries are recognised too.
      const loose = { stream: { name: 'loose' }, events: [{ id: randomUUID(), type: 'A', data: 1 }] };
      const stored = await tenant.append(loose);
      const again = await tenant.append(loose);
      expect(again.replayed).toBe(true);
      expect(again.events[0]?.position).toBe(stored.events[0]?.position);
      expect(await tenant.headPosition()).toBe(4);
    });

    test('mixing stored and new ids is invalid; the ids alone decide a retry', async () => {
      const tenant = await fresh();
      const stored = { id: randomUUID(), type: 'A', data: 1 };
      await tenant.append({ stream: { name: 'mix' }, events: [stored] });
      await expect(
        tenant.append({
          stream: { name: 'mix' },
          events: [stored, { id: randomUUID(), type: 'B', data: 2 }],
        }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', path: ['events', '0', 'id'] });
      // Same ids, rebuilt payload: still the stored append, nothing new.
      const rebuilt = await tenant.append({ stream: { name: 'mix' }, events: [{ ...stored, data: 2 }] });
      expect(rebuilt.replayed).toBe(true);
      expect(rebuilt.events[0]?.data).toBe(1);
      // The same ids in another order are not that append.
      const pair = [
        { id: randomUUID(), type: 'P', data: 1 },
        { id: randomUUID(), type: 'Q', data: 2 },
      ];
      await tenant.append({ stream: { name: 'mix' }, events: pair });
      await expect(
        tenant.append({ stream: { name: 'mix' }, events: [pair[1]!, pair[0]!] }),
      ).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      expect(await tenant.headPosition()).toBe(3);
    });
  });

  eventIdContract(fresh);
  multiStreamContract(fresh);
  categoriesContract(fresh);

  describe('the log', () => {
    test('positions are gap-free and a refused append consumes none', async () => {
      const tenant = await fresh();
      await appendN(tenant, 'a', 2);
      await expect(
        tenant.append({ stream: { name: 'a' }, expectedVersion: 9, events: [{ type: 'X', data: 1 }] }),
      ).rejects.toThrow();
      await appendN(tenant, 'b', 3, 'cat');
      const log = await tenant.readLog({});
      expect(positions(nodes(log))).toEqual([1, 2, 3, 4, 5]);
      expect(log.lastPosition).toBe(5);
      expect(await tenant.headPosition()).toBe(5);
    });

    logContract(async () => storeLog(await fresh()));
  });

  describe('stream reads', () => {
    test('forward and backward pages with cursors, bounded by versions', async () => {
      const tenant = await fresh();
      await appendN(tenant, 'pages', 10);
      const ref = { name: 'pages' };
      const first = await tenant.readStream(ref, { first: 4 });
      expect(versions(nodes(first))).toEqual([1, 2, 3, 4]);
      expect(first.hasNextPage).toBe(true);
      const second = await tenant.readStream(ref, { first: 4, after: first.edges.at(-1)?.cursor });
      expect(versions(nodes(second))).toEqual([5, 6, 7, 8]);
      expect(second.hasPreviousPage).toBe(true);
      const third = await tenant.readStream(ref, { first: 4, after: second.edges.at(-1)?.cursor });
      expect(versions(nodes(third))).toEqual([9, 10]);
      expect(third.hasNextPage).toBe(false);
      const last = await tenant.readStream(ref, { last: 3 });
      expect(versions(nodes(last))).toEqual([8, 9, 10]);
      expect(last.hasPreviousPage).toBe(true);
      const before = await tenant.readStream(ref, { last: 3, before: last.edges[0]?.cursor });
      expect(versions(nodes(before))).toEqual([5, 6, 7]);
      const bounded = await tenant.readStream(ref, { fromVersion: 3, toVersion: 5 });
      expect(versions(nodes(bounded))).toEqual([3, 4, 5]);
      await expect(tenant.readStream(ref, { first: 1001 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(tenant.readStream(ref, { after: 'garbage' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      const logCursor = (await tenant.readLog({ first: 1 })).edges[0]?.cursor;
      await expect(tenant.readStream(ref, { after: logCursor })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });

    test('stream metadata for many streams at once, in order, null where missing', async () => {
      const tenant = await fresh();
      const keys = [];
      for (let index = 0; index < 130; index++) {
        const result = await tenant.append({
          stream: { name: `m${index}`, category: 'meta' },
          events: [{ type: 'A', data: index }],
        });
        keys.push({ id: result.stream.id, category: 'meta' });
      }
      const missing = { id: randomUUID(), category: 'meta' };
      const infos = await tenant.getStreams([...keys, missing, keys[0]!]);
      expect(infos.length).toBe(132);
      expect(infos.slice(0, 130).map((info) => info?.name)).toEqual(keys.map((_, index) => `m${index}`));
      expect(infos[130]).toBeNull();
      expect(infos[131]?.name).toBe('m0');
      const listed: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await tenant.listStreams({ category: 'meta', first: 50, after });
        listed.push(...nodes(page).map((stream) => stream.name ?? ''));
        if (!page.hasNextPage) break;
        after = page.edges.at(-1)?.cursor;
      }
      expect(listed.sort()).toEqual(keys.map((_, index) => `m${index}`).sort());
    });
  });

  describe('snapshots', () => {
    test('save, latest, several, latest within a range, and the events since it', async () => {
      const tenant = await fresh();
      const ref = { name: 'snap', category: 'order' };
      await expect(
        tenant.saveSnapshot({ stream: ref, version: 1, type: 'S', data: {} }),
      ).rejects.toBeInstanceOf(StreamNotFoundError);
      await appendN(tenant, 'snap', 10, 'order');
      await expect(
        tenant.saveSnapshot({ stream: ref, version: 11, type: 'S', data: {} }),
      ).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        path: ['version'],
      });
      await expect(
        tenant.saveSnapshot({ stream: ref, version: 0, type: 'S', data: {} }),
      ).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      const saved = await tenant.saveSnapshot({ stream: ref, version: 3, type: 'Order', data: { total: 3 } });
      expect(saved).toMatchObject({ version: 3, type: 'Order', data: { total: 3 } });
      await tenant.saveSnapshot({ stream: ref, version: 7, type: 'Order', data: { total: 7 } });
      expect(await tenant.latestSnapshot(ref)).toMatchObject({ version: 7, data: { total: 7 } });
      const since = await tenant.readStream(ref, { sinceSnapshot: true });
      expect(versions(nodes(since))).toEqual([8, 9, 10]);
      const inRange = await tenant.readStream(ref, { sinceSnapshot: true, fromVersion: 1, toVersion: 6 });
      expect(versions(nodes(inRange))).toEqual([4, 5, 6]);
      const noneInRange = await tenant.readStream(ref, { sinceSnapshot: true, fromVersion: 8, toVersion: 9 });
      expect(versions(nodes(noneInRange))).toEqual([8, 9]);
      expect(await tenant.latestSnapshot(ref, 5)).toMatchObject({ version: 3 });
    });
  });

  describe('deletion', () => {
    test('removes events, snapshots and metadata; the log keeps its positions; the stream can start again', async () => {
      const tenant = await fresh();
      const ref = { name: 'doomed', category: 'order' };
      await appendN(tenant, 'doomed', 3, 'order');
      await appendN(tenant, 'survivor', 1, 'order');
      await tenant.saveSnapshot({ stream: ref, version: 2, type: 'S', data: {} });
      await expect(tenant.deleteStream(ref, 1)).rejects.toMatchObject({
        code: 'WRONG_EXPECTED_VERSION',
        actualVersion: 3,
      });
      const deleted = await tenant.deleteStream(ref, 3);
      expect(deleted).toEqual({ streamId: streamIdForName('doomed'), deletedEvents: 3 });
      expect(await tenant.getStream(ref)).toBeNull();
      // Retrying a deletion that succeeded succeeds, whatever it expected.
      expect(await tenant.deleteStream(ref, 3)).toMatchObject({ deletedEvents: 0 });
      expect(nodes(await tenant.readStream(ref))).toEqual([]);
      expect(await tenant.latestSnapshot(ref)).toBeNull();
      expect(nodes(await tenant.listStreams({ category: 'order' })).map((stream) => stream.name)).toEqual([
        'survivor',
      ]);
      const log = await tenant.readLog({});
      expect(positions(nodes(log))).toEqual([4]);
      expect(log.lastPosition).toBe(4);
      const again = await tenant.append({
        stream: ref,
        expectedVersion: 0,
        events: [{ type: 'Reborn', data: 1 }],
      });
      expect(again.events[0]).toMatchObject({ version: 1, position: 5 });
      expect(await tenant.deleteStream({ name: 'never-was' })).toEqual({
        streamId: streamIdForName('never-was'),
        deletedEvents: 0,
      });
      expect(await tenant.headPosition()).toBe(5);
    });
  });

  describe('tenants', () => {
    test('the same stream in two tenants are two streams, invisible to each other', async () => {
      const one = await fresh();
      const two = await fresh();
      await appendN(one, 'same', 2, 'c');
      expect(await two.getStream({ name: 'same', category: 'c' })).toBeNull();
      expect(nodes(await two.readLog({}))).toEqual([]);
      expect(await two.headPosition()).toBe(0);
      await appendN(two, 'same', 1, 'c');
      expect((await one.getStream({ name: 'same', category: 'c' }))?.version).toBe(2);
      expect((await two.getStream({ name: 'same', category: 'c' }))?.version).toBe(1);
      const oneCursor = (await one.readLog({ first: 1 })).edges[0]?.cursor;
      const twoPage = await two.readStream({ name: 'same', category: 'c' }, { after: undefined });
      expect(nodes(twoPage).map((event: RecordedEvent) => event.data)).toEqual([{ index: 0 }]);
      expect(oneCursor).toBeDefined();
      expect(nodes(await two.listStreams({})).length).toBe(1);
    });
  });
}

/** One tenant's log, as the log contract writes and reads it. */
export interface LogUnderTest {
  /** One append (one commit) to a stream, unversioned; the events as recorded. */
  append(
    stream: { name: string; category?: string | null },
    events: { type: string; data: JsonValue }[],
  ): Promise<RecordedEvent[]>;
  /** Deletes a stream: its events leave the log, their positions stay (tombstones). */
  deleteStream(stream: { name: string; category?: string | null }): Promise<void>;
  readLog: TenantEventStore['readLog'];
  headPosition(): Promise<number>;
}

/** A tenant of a store, as a log under test. */
function storeLog(tenant: TenantEventStore): LogUnderTest {
  return {
    append: async (stream, events) => (await tenant.append({ stream, events })).events,
    deleteStream: async (stream) => {
      await tenant.deleteStream(stream);
    },
    readLog: (options) => tenant.readLog(options),
    headPosition: () => tenant.headPosition(),
  };
}

const counted = (count: number, type = 'Counted') =>
  Array.from({ length: count }, (_, index) => ({ type, data: { index } }));

/**
 * How the log reads: the rules `readLog` and `headPosition` keep, whatever keeps the log. Run
 * by {@link eventStoreContract} on each store, and on the hub tests' in-memory log. `fresh`
 * gives an empty log (a new tenant).
 */
export function logContract(fresh: () => Promise<LogUnderTest>) {
  describe('log reads', () => {
    test('positions count from 1 without gaps across streams; lastPosition and the head follow the last', async () => {
      const log = await fresh();
      expect(await log.headPosition()).toBe(0);
      expect(await log.readLog({})).toEqual({
        edges: [],
        hasNextPage: false,
        hasPreviousPage: false,
        lastPosition: 0,
      });
      const a = await log.append({ name: 'a' }, counted(2));
      const b = await log.append({ name: 'b', category: 'cat' }, counted(3));
      const read = await log.readLog({});
      expect(nodes(read)).toEqual([...a, ...b]);
      expect(positions(nodes(read))).toEqual([1, 2, 3, 4, 5]);
      expect(nodes(read).map((event) => [event.streamName, event.stream.category, event.version])).toEqual([
        ['a', null, 1],
        ['a', null, 2],
        ['b', 'cat', 1],
        ['b', 'cat', 2],
        ['b', 'cat', 3],
      ]);
      // A stream's incarnation is the position of its first event.
      expect(nodes(read).map((event) => event.streamIncarnation)).toEqual([1, 1, 3, 3, 3]);
      expect(read).toMatchObject({ hasNextPage: false, hasPreviousPage: false, lastPosition: 5 });
      expect(await log.headPosition()).toBe(5);
      const after = await log.readLog({ after: 5 });
      expect(after).toMatchObject({ edges: [], hasNextPage: false, hasPreviousPage: true, lastPosition: 5 });
      expect((await log.readLog({ after: 9 })).lastPosition).toBe(9);
    });

    test('log reads filter by categories, types and stream ids, and page by position', async () => {
      const log = await fresh();
      const a = await log.append({ name: 'a', category: 'order' }, [
        { type: 'Created', data: 1 },
        { type: 'Paid', data: 2 },
      ]);
      await log.append({ name: 'b', category: 'invoice' }, [{ type: 'Created', data: 3 }]);
      await log.append({ name: 'c' }, [{ type: 'Paid', data: 4 }]);
      const select = async (filter: object) => positions(nodes(await log.readLog({ filter })));
      expect(await select({ categories: ['order'] })).toEqual([1, 2]);
      expect(await select({ categories: ['order', 'invoice'], types: ['Created'] })).toEqual([1, 3]);
      expect(await select({ types: ['Paid'] })).toEqual([2, 4]);
      expect(await select({ streamIds: [a[0]!.stream.id.toUpperCase()] })).toEqual([1, 2]);
      expect(await select({ categories: [] })).toEqual([]);
      const page = await log.readLog({ first: 2 });
      expect(positions(nodes(page))).toEqual([1, 2]);
      expect(page.hasNextPage).toBe(true);
      const rest = await log.readLog({ after: 2, first: 10 });
      expect(positions(nodes(rest))).toEqual([3, 4]);
      expect(rest.hasNextPage).toBe(false);
      const filtered = await log.readLog({ after: 1, filter: { categories: ['nothing'] } });
      expect(nodes(filtered)).toEqual([]);
      expect(filtered.lastPosition).toBe(4);
    });

    test('first bounds the events returned: a read stops at the entry after the last it returns', async () => {
      const log = await fresh();
      for (let index = 0; index < 4; index++) await log.append({ name: 's' }, counted(32, 'A'));
      await log.append({ name: 't' }, [
        { type: 'B', data: 1 },
        { type: 'A', data: 2 },
        { type: 'B', data: 3 },
      ]);
      const unbounded = await log.readLog({});
      expect(positions(nodes(unbounded))).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
      expect(unbounded).toMatchObject({ hasNextPage: true, lastPosition: 100 });
      const b = { types: ['B'] };
      const first = await log.readLog({ filter: b, first: 1 });
      expect(positions(nodes(first))).toEqual([129]);
      expect(first).toMatchObject({ hasNextPage: true, lastPosition: 129 });
      const next = await log.readLog({ after: 129, filter: b, first: 1 });
      expect(positions(nodes(next))).toEqual([131]);
      expect(next).toMatchObject({ hasNextPage: false, lastPosition: 131 });
      const none = await log.readLog({ after: 3, first: 0 });
      expect(none).toMatchObject({ edges: [], hasNextPage: true, lastPosition: 3 });
      expect((await log.readLog({ after: 131, first: 0 })).hasNextPage).toBe(false);
    });

    test("a deleted stream's events leave the log and their positions stay covered; it can start again", async () => {
      const log = await fresh();
      const doomed = { name: 'doomed', category: 'order' };
      await log.append(doomed, counted(3));
      await log.append({ name: 'survivor', category: 'order' }, counted(1));
      await log.deleteStream(doomed);
      const read = await log.readLog({});
      expect(positions(nodes(read))).toEqual([4]);
      expect(read.lastPosition).toBe(4);
      const firstLive = await log.readLog({ first: 1 });
      expect(positions(nodes(firstLive))).toEqual([4]);
      expect(firstLive).toMatchObject({ hasNextPage: false, lastPosition: 4 });
      expect(await log.readLog({ first: 1, filter: { types: ['nothing'] } })).toMatchObject({
        edges: [],
        lastPosition: 4,
      });
      const [again] = await log.append(doomed, counted(1, 'Reborn'));
      expect(again).toMatchObject({ version: 1, position: 5, streamIncarnation: 5 });
      expect(positions(nodes(await log.readLog({ filter: { categories: ['order'] } })))).toEqual([4, 5]);
      expect(await log.headPosition()).toBe(5);
    });

    test('bad arguments are refused', async () => {
      const log = await fresh();
      await log.append({ name: 's' }, counted(1));
      for (const after of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
        await expect(log.readLog({ after }), `after ${after}`).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          path: ['after'],
        });
      }
      for (const first of [-1, 2.5, 1001]) {
        await expect(log.readLog({ first }), `first ${first}`).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          path: ['first'],
        });
      }
      await expect(log.readLog({ filter: { streamIds: ['not-a-uuid'] } })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        path: ['filter', 'streamIds', '0'],
      });
      expect(positions(nodes(await log.readLog({ after: null, first: null, filter: null })))).toEqual([1]);
    });
  });
}
