import { getIntrospectionQuery, parse, validate } from 'graphql';
import { describe, expect, test } from 'vitest';
import { defaultApiLimits } from '../../src/plugins/api-limits.js';
import { graphiqlTabs } from '../../src/plugins/graphiql.js';
import { schema } from '../../src/schema/index.js';
import {
  AppendEventsDocument,
  LogDocument,
  StreamDocument,
  StreamEventsDocument,
  StreamsDocument,
} from '../generated/graphql.js';
import { expectType, type GraphQLResult, uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';

const api = useTestApi();

function expectRefused(result: GraphQLResult<unknown>, code: string) {
  expect(result.status).toBeLessThan(500);
  expect(result.data ?? null).toBeNull();
  expect(result.errors?.map((e) => e.extensions?.code)).toContain(code);
  expect(result.text).not.toMatch(/\n\s+at /);
}

describe('page size', () => {
  test('first/last above the maximum or below 0 get a clear error, never a 5xx', async () => {
    const ref = { name: uniqueName() };
    await appendOk(api(), ref, [event('A')]);
    for (const result of [
      await api().execute(LogDocument, { first: 1001 }),
      await api().execute(LogDocument, { first: -1 }),
      await api().execute(StreamsDocument, { first: 5000 }),
      await api().execute(StreamEventsDocument, { ref, last: 1001 }),
      await api().execute(StreamEventsDocument, { ref, first: 1001 }),
    ]) {
      expect(result.status).toBeLessThan(500);
      expect(result.errors?.[0]?.extensions?.code).toBe('PAGE_SIZE_EXCEEDED');
      expect(result.errors?.[0]?.message).toMatch(/from 0 to 1000/);
    }
  });

  test('the maximum itself is accepted', async () => {
    const result = await api().execute(LogDocument, { first: 1000 });
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
  });

  test('first and last together are refused', async () => {
    const ref = { name: uniqueName() };
    await appendOk(api(), ref, [event('A')]);
    const result = await api().execute(StreamEventsDocument, { ref, first: 1, last: 1 });
    expect(result.status).toBeLessThan(500);
    expect(result.errors?.[0]?.message).toMatch(/first.*last/);
  });
});

describe('depth and cost', () => {
  test('a query nested deeper than the maximum depth is refused before it runs', async () => {
    let selection = 'id';
    for (let i = 0; i < 6; i++) selection = `stream { events(first: 1) { edges { node { ${selection} } } } }`;
    const result = await api().post(
      JSON.stringify({ query: `{ events(first: 1) { edges { node { ${selection} } } } }` }),
    );
    expectRefused(result, 'QUERY_DEPTH');
    expect(result.errors?.[0]?.message).toMatch(new RegExp(`max depth of ${defaultApiLimits.maxDepth}`));
  });

  test('a query whose pages multiply beyond the cost limit is refused, also when sizes are variables', async () => {
    const literal = await api().post(
      JSON.stringify({
        query:
          '{ streams(first: 1000) { edges { node { events(first: 1000) { edges { node { id type } } } } } } }',
      }),
    );
    expectRefused(literal, 'QUERY_COMPLEXITY');

    const query =
      'query ($n: Int, $m: Int) { streams(first: $n) { edges { node { events(first: $m) { edges { node { id type } } } } } } }';
    const small = await api().post(JSON.stringify({ query, variables: { n: 10, m: 10 } }));
    expect(small.status).toBe(200);
    expect(small.errors).toBeUndefined();
    // The same document again, now with large pages: the limit is checked per request.
    expectRefused(
      await api().post(JSON.stringify({ query, variables: { n: 1000, m: 1000 } })),
      'QUERY_COMPLEXITY',
    );
  });

  test('a filtered log read costs the entries it may examine: a document cannot multiply them', async () => {
    const read = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `r${i}: events(first: 1, filter: { types: ["nope"] }) { edges { node { id } } }`).join(' ')} }`;
    const one = await api().post(JSON.stringify({ query: read(1) }));
    expect(one.status).toBe(200);
    expect(one.errors).toBeUndefined();
    const perRead = defaultApiLimits.filteredReadCost;
    const allowed = Math.floor(defaultApiLimits.maxCost / (perRead + 3));
    expect((await api().post(JSON.stringify({ query: read(allowed) }))).errors).toBeUndefined();
    expectRefused(await api().post(JSON.stringify({ query: read(allowed + 1) })), 'QUERY_COMPLEXITY');
    expectRefused(await api().post(JSON.stringify({ query: read(100) })), 'QUERY_COMPLEXITY');
    // Unfiltered reads of the same shape stay cheap.
    const plain = `{ ${Array.from({ length: 100 }, (_, i) => `r${i}: events(first: 1) { edges { node { id } } }`).join(' ')} }`;
    expect((await api().post(JSON.stringify({ query: plain }))).errors).toBeUndefined();
  });

  test('a document whose cost does not read its variables is checked once; one whose cost reads them, each time', async () => {
    // Passes, then refused as often as it is sent: a refusal is never remembered as a pass.
    const pages = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `r${i}: events(first: 1, filter: { types: ["nope"] }) { edges { node { id } } }`).join(' ')} }`;
    for (let i = 0; i < 2; i++)
      expectRefused(await api().post(JSON.stringify({ query: pages(100) })), 'QUERY_COMPLEXITY');
    // A variable inside `filter` changes the cost: the same document passes, then is refused.
    const filtered = `query ($f: EventFilter) { ${Array.from({ length: 100 }, (_, i) => `r${i}: events(first: 1, filter: $f) { edges { node { id } } }`).join(' ')} }`;
    const unfiltered = await api().post(JSON.stringify({ query: filtered, variables: { f: {} } }));
    expect(unfiltered.status).toBe(200);
    expect(unfiltered.errors).toBeUndefined();
    expectRefused(
      await api().post(JSON.stringify({ query: filtered, variables: { f: { types: ['nope'] } } })),
      'QUERY_COMPLEXITY',
    );
  });

  test('too many selections are refused', async () => {
    const fields = Array.from({ length: defaultApiLimits.maxBreadth + 1 }, (_, i) => `h${i}: head`).join(' ');
    expectRefused(await api().post(JSON.stringify({ query: `{ ${fields} }` })), 'QUERY_BREADTH');
  });

  test("GraphiQL's introspection query and default query pass the limits", async () => {
    const introspection = await api().post(JSON.stringify({ query: getIntrospectionQuery() }));
    expect(introspection.status).toBe(200);
    expect(introspection.errors).toBeUndefined();
    for (const tab of graphiqlTabs) expect(validate(schema, parse(tab.query))).toEqual([]);
    const read = await api().post(JSON.stringify({ query: graphiqlTabs[1]?.query }));
    expect(read.status).toBe(200);
    expect(read.errors).toBeUndefined();
  });
});

describe('request body size', () => {
  const bigBody = () =>
    JSON.stringify({ query: '{ head }', variables: { padding: 'x'.repeat(defaultApiLimits.maxBodyBytes) } });

  test('a body above 2 MiB gets HTTP 413', async () => {
    const response = await fetch(api().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bigBody(),
    });
    expect(response.status).toBe(413);
  });

  test('a chunked body above 2 MiB (no Content-Length) gets HTTP 413 too', async () => {
    const bytes = new TextEncoder().encode(bigBody());
    const chunk = 64 * 1024;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(offset, offset + chunk));
        offset += chunk;
      },
    });
    const response = await fetch(api().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  test('a chunked body (no Content-Length) under the limit is read and served', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ query: '{ __typename }' }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5));
        controller.enqueue(bytes.subarray(5));
        controller.close();
      },
    });
    const response = await fetch(api().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  test('a body just under 2 MiB is served', async () => {
    const padding = 'x'.repeat(defaultApiLimits.maxBodyBytes - 1000);
    const result = await api().post(JSON.stringify({ query: '{ head }', variables: { padding } }));
    expect(result.status).toBe(200);
  });
});

describe('append size (from the store)', () => {
  test('25 events with 256 KiB of data and metadata together are accepted', async () => {
    const perEvent = Math.floor((256 * 1024) / 25) - 64;
    const events = Array.from({ length: 25 }, (_, i) => ({
      type: 'Big',
      data: { s: 'd'.repeat(perEvent - 40) },
      metadata: { i },
    }));
    const success = await appendOk(api(), { name: uniqueName() }, events);
    expect(success.events).toHaveLength(25);
  });

  test('too many events, or too many bytes, get InvalidInputError and store nothing', async () => {
    const name = uniqueName();
    const many = await api().data(AppendEventsDocument, {
      input: { stream: { name }, events: Array.from({ length: 33 }, () => event('A')) },
    });
    expect(expectType(many.appendEvents, 'InvalidInputError').message).toMatch(/32/);

    const big = await api().data(AppendEventsDocument, {
      input: {
        stream: { name },
        events: [
          { type: 'A', data: { s: 'x'.repeat(200 * 1024) } },
          { type: 'B', data: { s: 'y'.repeat(100 * 1024) } },
        ],
      },
    });
    expect(expectType(big.appendEvents, 'InvalidInputError').path?.[0]).toBe('input');
    const { stream } = await api().data(StreamDocument, { ref: { name } });
    expect(stream).toBeNull();
  });
});
