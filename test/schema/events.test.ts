import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import {
  AppendEventsDocument,
  type AppendEventsInput,
  StreamDocument,
  StreamEventsDocument,
  type StreamEventsQueryVariables,
} from '../generated/graphql.js';
import { expectType, uniqueName, useTestApi } from '../support/api.js';

const api = useTestApi();

type Ref = AppendEventsInput['stream'];

function appendInput(stream: Ref, events: AppendEventsInput['events'], expectedVersion?: number | null) {
  return { input: { stream, events, ...(expectedVersion === undefined ? {} : { expectedVersion }) } };
}

async function append(stream: Ref, events: AppendEventsInput['events'], expectedVersion?: number | null) {
  const { appendEvents } = await api().data(
    AppendEventsDocument,
    appendInput(stream, events, expectedVersion),
  );
  return appendEvents;
}

async function appendOk(stream: Ref, events: AppendEventsInput['events'], expectedVersion?: number | null) {
  return expectType(await append(stream, events, expectedVersion), 'AppendEventsSuccess');
}

const event = (type: string, data: unknown = {}) => ({ type, data });

async function streamVersion(ref: Ref): Promise<number | null> {
  const { stream } = await api().data(StreamDocument, { ref });
  return stream?.version ?? null;
}

async function readEvents(variables: StreamEventsQueryVariables) {
  const { stream } = await api().data(StreamEventsDocument, variables);
  if (!stream) throw new Error('no stream');
  return stream.events;
}

describe('appendEvents', () => {
  test('creates a stream and returns its events with versions, positions and the stream', async () => {
    const name = uniqueName('order');
    const success = await appendOk({ name, category: 'order' }, [
      { type: 'OrderPlaced', data: { total: 42, items: [{ sku: 'a', n: 2 }] }, metadata: { user: 'u1' } },
      { type: 'OrderPaid', data: { amount: 42.5 } },
    ]);
    expect(success.replayed).toBe(false);
    expect(success.stream).toMatchObject({ name, category: 'order', version: 2, versioned: false });
    expect(success.stream.id).toBe(streamIdForName(name));
    expect(success.events.map((e) => [e.type, e.version])).toEqual([
      ['OrderPlaced', 1],
      ['OrderPaid', 2],
    ]);
    const [first, second] = success.events;
    expect(second!.position).toBe(first!.position + 1);
    expect(first!.data).toEqual({ total: 42, items: [{ sku: 'a', n: 2 }] });
    expect(first!.metadata).toEqual({ user: 'u1' });
    expect(second!.metadata).toEqual({});
    expect(first!.stream).toEqual({ id: success.stream.id, name, category: 'order', version: 2 });
    expect(first!.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test('addresses streams by id, by name, or both; a category makes another stream', async () => {
    const id = randomUUID();
    const byId = await appendOk({ id }, [event('A')]);
    expect(byId.stream).toMatchObject({ id, name: null, category: null, version: 1 });

    const name = uniqueName();
    await appendOk({ name }, [event('A')]);
    const both = await appendOk({ id: streamIdForName(name), name }, [event('B')]);
    expect(both.stream).toMatchObject({ name, version: 2 });

    const inCategory = await appendOk({ name, category: 'other' }, [event('C')]);
    expect(inCategory.stream).toMatchObject({ id: streamIdForName(name), category: 'other', version: 1 });
    expect(await streamVersion({ name })).toBe(2);
  });

  test('client-chosen event ids are kept', async () => {
    const id = randomUUID();
    const success = await appendOk({ name: uniqueName() }, [{ id, type: 'A', data: 1 }]);
    expect(success.events[0]!.id).toBe(id);
  });

  test('JSON data and metadata round-trip exactly', async () => {
    const values = [
      {
        nested: { deep: [1, [2, [3, { x: null }]]] },
        unicode: 'za\u017c\u00f3\u0142\u0107 \u{1f680} "quoted" \\ \n',
        t: true,
        f: false,
      },
      [1, -2.5, 1e-7, 12345678901234, 'two', null],
      'a plain string',
      -0.125,
      true,
      {},
    ];
    const success = await appendOk(
      { name: uniqueName() },
      values.map((data, i) => ({ type: 'V', data, metadata: { i, tags: ['x'] } })),
    );
    expect(success.events.map((e) => e.data)).toEqual(values);
    const page = await readEvents({ ref: { id: success.stream.id } });
    expect(page.edges.map((e) => e.node.data)).toEqual(values);
    expect(page.edges.map((e) => e.node.metadata)).toEqual(values.map((_, i) => ({ i, tags: ['x'] })));
  });
});

describe('versioning rules', () => {
  test('expectedVersion 0 creates a versioned stream; appends then need the current version', async () => {
    const ref = { name: uniqueName(), category: 'acct' };
    const created = await appendOk(ref, [event('Opened')], 0);
    expect(created.stream).toMatchObject({ versioned: true, version: 1 });

    const next = await appendOk(ref, [event('Deposited'), event('Deposited')], 1);
    expect(next.events.map((e) => e.version)).toEqual([2, 3]);

    const again = expectType(await append(ref, [event('Opened')], 0), 'WrongExpectedVersionError');
    expect(again).toMatchObject({ expectedVersion: 0, actualVersion: 3 });
    expect(again.message).toMatch(/version/);

    const stale = expectType(await append(ref, [event('Deposited')], 2), 'WrongExpectedVersionError');
    expect(stale).toMatchObject({ expectedVersion: 2, actualVersion: 3 });

    const missing = expectType(await append(ref, [event('Deposited')]), 'ExpectedVersionRequiredError');
    expect(missing.message).toMatch(/expectedVersion/);
    expect(await streamVersion(ref)).toBe(3);
  });

  test('an expected version on a missing stream reports actual version 0', async () => {
    const ref = { name: uniqueName() };
    const refused = expectType(await append(ref, [event('A')], 3), 'WrongExpectedVersionError');
    expect(refused).toMatchObject({ expectedVersion: 3, actualVersion: 0 });
    expect(await streamVersion(ref)).toBeNull();
  });

  test('an unversioned stream refuses expectedVersion', async () => {
    const ref = { name: uniqueName() };
    await appendOk(ref, [event('A')]);
    await appendOk(ref, [event('B')], null);
    const refused = expectType(await append(ref, [event('C')], 2), 'StreamIsUnversionedError');
    expect(refused.message).toMatch(/unversioned/);
    expect(await streamVersion(ref)).toBe(2);
  });

  test('racing appends with one expected version: exactly one wins, the stream holds only its events', async () => {
    const ref = { name: uniqueName() };
    await appendOk(ref, [event('Created')], 0);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => append(ref, [event(`Writer${i}`), event(`Writer${i}`)], 1)),
    );
    const winners = results.filter((r) => r.__typename === 'AppendEventsSuccess');
    const losers = results.filter((r) => r.__typename === 'WrongExpectedVersionError');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(11);
    for (const loser of losers) expect(loser).toMatchObject({ expectedVersion: 1, actualVersion: 3 });
    const winner = expectType(winners[0]!, 'AppendEventsSuccess');
    const page = await readEvents({ ref });
    expect(page.edges.map((e) => [e.node.version, e.node.type])).toEqual([
      [1, 'Created'],
      [2, winner.events[0]!.type],
      [3, winner.events[0]!.type],
    ]);
  });
});

describe('idempotent retries', () => {
  test('re-sending an append with the same event ids returns the stored events and stores nothing', async () => {
    const ref = { name: uniqueName() };
    const events = [
      { id: randomUUID(), type: 'A', data: { n: 1 } },
      { id: randomUUID(), type: 'B', data: { n: 2 } },
    ];
    const original = await appendOk(ref, events, 0);
    // Whatever the expectedVersion of the retry: the first one was already applied.
    const retry = await appendOk(ref, events, 0);
    expect(retry.replayed).toBe(true);
    expect(retry.events.map((e) => [e.id, e.version, e.position])).toEqual(
      original.events.map((e) => [e.id, e.version, e.position]),
    );
    expect(await streamVersion(ref)).toBe(2);
  });

  test('mixing stored and new ids is invalid and stores nothing', async () => {
    const ref = { name: uniqueName() };
    const stored = { id: randomUUID(), type: 'A', data: 1 };
    await appendOk(ref, [stored]);
    const refused = expectType(
      await append(ref, [stored, { id: randomUUID(), type: 'B', data: 2 }]),
      'InvalidInputError',
    );
    expect(refused.message).toBeTruthy();
    expect(await streamVersion(ref)).toBe(1);
  });
});

describe('invalid input', () => {
  test('names the offending field and stores nothing', async () => {
    const ref = { name: uniqueName() };
    const refused = expectType(await append(ref, [event('Ok'), event('')]), 'InvalidInputError');
    expect(refused.path).toEqual(['input', 'events', '1', 'type']);
    expect(await streamVersion(ref)).toBeNull();
  });

  test('an id and a name that disagree are refused', async () => {
    const refused = expectType(
      await append({ id: randomUUID(), name: uniqueName() }, [event('A')]),
      'InvalidInputError',
    );
    expect(refused.path?.slice(0, 2)).toEqual(['input', 'stream']);
  });

  test('a StreamRef without id and name is refused', async () => {
    const refused = expectType(await append({ category: 'x' }, [event('A')]), 'InvalidInputError');
    expect(refused.path?.slice(0, 2)).toEqual(['input', 'stream']);
  });

  test('an append without events is refused', async () => {
    const ref = { name: uniqueName() };
    expectType(await append(ref, []), 'InvalidInputError');
    expect(await streamVersion(ref)).toBeNull();
  });
});

describe('Stream.events', () => {
  const ref = { name: uniqueName('paged'), category: 'paging' };
  const types = Array.from({ length: 7 }, (_, i) => `E${i + 1}`);

  test('pages forward with first/after and backward with last/before', async () => {
    await appendOk(
      ref,
      types.map((type) => event(type)),
    );

    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const page = await readEvents({ ref, first: 3, after });
      seen.push(...page.edges.map((e) => e.node.type));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? null;
    }
    expect(seen).toEqual(types);

    const backward: string[] = [];
    let before: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const page = await readEvents({ ref, last: 3, before });
      // Each backward page is still in version order.
      const versions = page.edges.map((e) => e.node.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      backward.unshift(...page.edges.map((e) => e.node.type));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor ?? null;
    }
    expect(backward).toEqual(types);
  });

  test('fromVersion and toVersion are inclusive bounds', async () => {
    const page = await readEvents({ ref, fromVersion: 3, toVersion: 5 });
    expect(page.edges.map((e) => e.node.version)).toEqual([3, 4, 5]);
    expect(page.pageInfo.hasNextPage).toBe(false);
    const last = await readEvents({ ref, fromVersion: 2, toVersion: 6, last: 2 });
    expect(last.edges.map((e) => e.node.version)).toEqual([5, 6]);
  });

  test('without first/last a page holds the default page size', async () => {
    const big = { name: uniqueName('big') };
    for (let i = 0; i < 4; i++) {
      await appendOk(
        big,
        Array.from({ length: 30 }, (_, j) => event(`E${i * 30 + j}`)),
      );
    }
    const page = await readEvents({ ref: big });
    expect(page.edges).toHaveLength(100);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  test('a cursor that is not a stream cursor is refused without a stack trace', async () => {
    const result = await api().execute(StreamEventsDocument, { ref, first: 1, after: 'not-a-cursor' });
    expect(result.status).toBeLessThan(500);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.text).not.toMatch(/\n\s+at |node_modules|dynamo/i);
  });
});
