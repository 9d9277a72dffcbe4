import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import {
  DeleteStreamDocument,
  type DeleteStreamInput,
  LogDocument,
  StreamDocument,
  StreamEventsDocument,
  StreamsDocument,
  type StreamsQuery,
  type StreamsQueryVariables,
} from '../generated/graphql.js';
import { expectType, uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';

// Its own table prefix: the listings below see only this file's streams.
const api = useTestApi();

async function deleteStream(input: DeleteStreamInput) {
  const { deleteStream } = await api().data(DeleteStreamDocument, { input });
  return deleteStream;
}

async function listAll(variables: StreamsQueryVariables, pageSize: number) {
  const names: (string | null)[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const { streams }: StreamsQuery = await api().data(StreamsDocument, {
      ...variables,
      first: pageSize,
      after,
    });
    expect(streams.edges.length).toBeLessThanOrEqual(pageSize);
    names.push(...streams.edges.map((e) => e.node.name));
    if (!streams.pageInfo.hasNextPage) return names;
    after = streams.pageInfo.endCursor ?? null;
  }
  throw new Error('listing did not end');
}

describe('Query.stream', () => {
  test('finds a stream by name, by id, or both, with its metadata', async () => {
    const name = uniqueName();
    const created = await appendOk(api(), { name, category: 'c1' }, [event('A'), event('B')], 0);
    const byName = await api().data(StreamDocument, { ref: { name, category: 'c1' } });
    expect(byName.stream).toMatchObject({
      id: streamIdForName(name),
      name,
      category: 'c1',
      versioned: true,
      version: 2,
    });
    expect(byName.stream?.createdAt).toBe(created.stream.createdAt);
    expect(Date.parse(byName.stream!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(byName.stream!.createdAt));

    const byId = await api().data(StreamDocument, { ref: { id: streamIdForName(name), category: 'c1' } });
    expect(byId.stream).toEqual(byName.stream);
    const byBoth = await api().data(StreamDocument, {
      ref: { id: streamIdForName(name), name, category: 'c1' },
    });
    expect(byBoth.stream).toEqual(byName.stream);
  });

  test('is null for a stream that does not exist, or exists only in another category', async () => {
    const name = uniqueName();
    await appendOk(api(), { name, category: 'somewhere' }, [event('A')]);
    expect((await api().data(StreamDocument, { ref: { name } })).stream).toBeNull();
    expect((await api().data(StreamDocument, { ref: { id: randomUUID() } })).stream).toBeNull();
  });

  test('an id and a name that disagree are a client error, not a 5xx', async () => {
    const result = await api().execute(StreamDocument, { ref: { id: randomUUID(), name: uniqueName() } });
    expect(result.status).toBeLessThan(500);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/name|id/i);
  });

  test("a bad reference's inputPath names the argument, ref", async () => {
    const result = await api().execute(StreamDocument, { ref: { name: '' } });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      inputPath: ['ref', 'name'],
    });
  });
});

describe('Query.streams', () => {
  test('lists the streams of a category, of no category, or all, page by page', async () => {
    const inA = Array.from({ length: 5 }, () => uniqueName('a'));
    const inB = Array.from({ length: 3 }, () => uniqueName('b'));
    const uncategorized = Array.from({ length: 2 }, () => uniqueName('u'));
    await Promise.all([
      ...inA.map((name) => appendOk(api(), { name, category: 'list-a' }, [event('X')])),
      ...inB.map((name) => appendOk(api(), { name, category: 'list-b' }, [event('X')])),
      ...uncategorized.map((name) => appendOk(api(), { name }, [event('X')])),
    ]);

    expect((await listAll({ category: 'list-a' }, 2)).sort()).toEqual([...inA].sort());
    expect((await listAll({ category: 'list-b' }, 10)).sort()).toEqual([...inB].sort());
    const withoutCategory = await listAll({ category: null }, 3);
    expect(withoutCategory).toEqual(expect.arrayContaining(uncategorized));
    expect(withoutCategory).not.toEqual(expect.arrayContaining([inA[0]]));
    const all = await listAll({}, 4);
    expect(all).toEqual(expect.arrayContaining([...inA, ...inB, ...uncategorized]));
    expect(new Set(all).size).toBe(all.length);
  });

  test('a listing node carries the stream metadata', async () => {
    const name = uniqueName();
    await appendOk(api(), { name, category: 'meta' }, [event('A'), event('B'), event('C')]);
    const { streams } = await api().data(StreamsDocument, { category: 'meta' });
    expect(streams.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ name, category: 'meta', version: 3, versioned: false }),
    ]);
    expect(streams.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });
});

describe('deleteStream', () => {
  test('removes the events and metadata; the log skips them; the stream can start again at 1', async () => {
    const ref = { name: uniqueName('del'), category: 'deletion' };
    const created = await appendOk(api(), ref, [event('A'), event('B'), event('C')]);
    const keeper = await appendOk(api(), { name: uniqueName('keep'), category: 'deletion' }, [event('K')]);

    const deleted = expectType(await deleteStream({ stream: ref }), 'DeleteStreamSuccess');
    expect(deleted).toMatchObject({ streamId: created.stream.id, deletedEvents: 3 });

    expect((await api().data(StreamDocument, { ref })).stream).toBeNull();
    expect((await api().data(StreamEventsDocument, { ref })).stream).toBeNull();
    const listed = await listAll({ category: 'deletion' }, 10);
    expect(listed).toEqual([keeper.stream.name]);
    const firstPosition = created.events[0]!.position;
    const log = await api().data(LogDocument, {
      after: firstPosition - 1,
      filter: { categories: ['deletion'] },
    });
    expect(log.events.edges.map((e) => e.node.type)).toEqual(['K']);

    const again = await appendOk(api(), ref, [event('Reborn')], 0);
    expect(again.events[0]!.version).toBe(1);
    expect(again.events[0]!.position).toBeGreaterThan(keeper.events[0]!.position);
  });

  test('deleting a missing stream succeeds and deletes nothing', async () => {
    const name = uniqueName('never');
    const deleted = expectType(await deleteStream({ stream: { name } }), 'DeleteStreamSuccess');
    expect(deleted).toEqual({
      __typename: 'DeleteStreamSuccess',
      streamId: streamIdForName(name),
      deletedEvents: 0,
    });
  });

  test('a wrong expected version refuses the deletion and deletes nothing', async () => {
    const ref = { name: uniqueName('guarded') };
    await appendOk(api(), ref, [event('A'), event('B')], 0);
    const refused = expectType(
      await deleteStream({ stream: ref, expectedVersion: 1 }),
      'WrongExpectedVersionError',
    );
    expect(refused).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expect((await api().data(StreamDocument, { ref })).stream?.version).toBe(2);

    const deleted = expectType(
      await deleteStream({ stream: ref, expectedVersion: 2 }),
      'DeleteStreamSuccess',
    );
    expect(deleted.deletedEvents).toBe(2);
  });

  test('an invalid StreamRef is InvalidInputError', async () => {
    const refused = expectType(
      await deleteStream({ stream: { id: randomUUID(), name: uniqueName() } }),
      'InvalidInputError',
    );
    expect(refused.path?.slice(0, 2)).toEqual(['input', 'stream']);
  });
});
