/**
 * Stream metadata is loaded in batches per request: however many events a response holds,
 * their streams cost a few BatchGetItem calls, counted here with an SDK middleware on the
 * gateway's own DynamoDB client.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { LogWithStreamsDocument, StreamDocument, StreamsDocument } from './generated/graphql.js';
import { uniqueName, useTestApi } from './support/api.js';
import { countCalls, testClient } from './support/dynamo.js';
import { appendOk, event } from './support/fixtures.js';

const client = testClient();
const calls = countCalls(client);
const api = useTestApi({ client });

describe('dataloaders', () => {
  const streams = Array.from({ length: 120 }, (_, i) => ({
    name: uniqueName(`dl${i}`),
    category: `cat${i % 7}`,
  }));

  beforeAll(async () => {
    // 250 events over 120 streams: 10 streams get 3 events, 110 get 2, appended in turns so
    // that one stream's events are spread over the log.
    const counts = streams.map((_, i) => (i < 10 ? 3 : 2));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(250);
    for (let round = 0; round < 3; round++) {
      const batch = streams.filter((_, i) => counts[i]! > round);
      for (let i = 0; i < batch.length; i += 20) {
        await Promise.all(batch.slice(i, i + 20).map((ref) => appendOk(api(), ref, [event(`R${round}`)])));
      }
    }
  });

  test('250 log events over 120 streams load their streams in a few calls, not 120', async () => {
    calls.reset();
    const { events } = await api().data(LogWithStreamsDocument, { first: 250 });
    const counted = calls.snapshot();

    expect(events.edges).toHaveLength(250);
    const expectedVersion = new Map(streams.map((s, i) => [s.name, i < 10 ? 3 : 2]));
    for (const { node } of events.edges) {
      expect(node.stream.version).toBe(expectedVersion.get(node.stream.name!));
      expect(node.stream.category).toMatch(/^cat\d$/);
    }
    expect(new Set(events.edges.map((e) => e.node.stream.name)).size).toBe(120);

    // BatchGetItem takes 100 keys: 120 streams are 2 calls (3 if DynamoDB returns unprocessed keys).
    expect(calls.get('GetItemCommand')).toBe(0);
    expect(calls.get('BatchGetItemCommand')).toBeGreaterThanOrEqual(1);
    expect(calls.get('BatchGetItemCommand')).toBeLessThanOrEqual(3);
    expect(calls.total(), JSON.stringify(counted)).toBeLessThanOrEqual(6);
  });

  test('one stream referenced by many events is loaded once', async () => {
    const ref = { name: uniqueName('one'), category: 'single' };
    const appended = await appendOk(
      api(),
      ref,
      Array.from({ length: 20 }, (_, i) => event(`E${i}`)),
    );
    calls.reset();
    const { events } = await api().data(LogWithStreamsDocument, {
      after: appended.events[0]!.position - 1,
      first: 20,
    });
    expect(events.edges.map((e) => e.node.stream.name)).toEqual(Array(20).fill(ref.name));
    expect(calls.get('BatchGetItemCommand')).toBe(1);
  });

  test('streams already at hand are not loaded again', async () => {
    // appendEvents answers with the stream, so its events' `stream` needs no load. The store
    // reads the head of a stream it has not seen (one BatchGetItem): compare with an append
    // that selects no stream at all.
    const appendCalls = async (selection: string) => {
      calls.reset();
      const result = await api().post(
        JSON.stringify({
          query: `mutation ($input: AppendEventsInput!) { appendEvents(input: $input) { ... on AppendEventsSuccess { ${selection} } } }`,
          variables: {
            input: { stream: { name: uniqueName(), category: 'cached' }, events: [event('A'), event('B')] },
          },
        }),
      );
      expect(result.errors).toBeUndefined();
      return calls.total();
    };
    const withoutStreams = await appendCalls('events { id }');
    const withStreams = await appendCalls('stream { name version } events { id stream { name version } }');
    expect(withStreams).toBe(withoutStreams);

    calls.reset();
    const { streams: listed } = await api().data(StreamsDocument, { category: 'cat1', first: 50 });
    expect(listed.edges.length).toBeGreaterThan(10);
    // The store reads the listing and then the heads in one batch; nothing per stream.
    expect(calls.get('BatchGetItemCommand')).toBeLessThanOrEqual(1);
    expect(calls.get('GetItemCommand')).toBe(0);
    expect(calls.total()).toBeLessThanOrEqual(3);

    calls.reset();
    // Stream.snapshot's Snapshot.stream is the stream itself: served from the cache.
    await api().data(StreamDocument, { ref: streams[0]! });
    expect(calls.get('BatchGetItemCommand')).toBe(0);
  });
});
