import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { AppendEventsDocument, LogDocument, StreamDocument } from '../generated/graphql.js';
import { type GraphQLResult, uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';

const api = useTestApi();

/** No stack trace, file path or internal detail ever reaches a client. */
function expectNoLeak(result: GraphQLResult<unknown>) {
  expect(result.text).not.toMatch(/\n\s+at |\bat [\w.<>]+ \(|node_modules|\.ts:\d+|stack|dynamodb/i);
}

function expectClientError(result: GraphQLResult<unknown>, pattern?: RegExp) {
  expect(result.status).toBeGreaterThanOrEqual(200);
  expect(result.status).toBeLessThan(500);
  expect(result.errors?.length).toBeGreaterThan(0);
  if (pattern) expect(result.errors?.map((e) => e.message).join('\n')).toMatch(pattern);
  expectNoLeak(result);
}

const query = (text: string, variables: Record<string, unknown> = {}) =>
  api().post(JSON.stringify({ query: text, variables }));

describe('Position', () => {
  test('is a JSON number; 0 and 2^53-1 are accepted', async () => {
    const { events } = await api().data(LogDocument, { after: Number.MAX_SAFE_INTEGER });
    expect(events.edges).toEqual([]);
    const literal = await query('{ events(after: 9007199254740991) { edges { cursor } } head }');
    expect(literal.status).toBe(200);
    expect(literal.text).toMatch(/"head":\d+/);
  });

  test.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['a string', '3'],
    ['above 2^53-1', 2 ** 53],
    ['a boolean', true],
  ])('refuses %s as a variable', async (_, value) => {
    const result = await query('query ($after: Position) { events(after: $after) { edges { cursor } } }', {
      after: value,
    });
    expectClientError(result, /Position/);
    expect(result.data ?? null).toBeNull();
  });

  test.each([
    ['negative', '-1'],
    ['fractional', '1.5'],
    ['a string', '"3"'],
    ['above 2^53-1', '9007199254740993'],
  ])('refuses %s as a literal', async (_, literal) => {
    expectClientError(await query(`{ events(after: ${literal}) { edges { cursor } } }`), /Position/);
  });
});

describe('UUID, DateTime and JSON', () => {
  test('an invalid UUID is refused before anything runs', async () => {
    const name = uniqueName();
    const result = await query(
      'mutation ($input: AppendEventsInput!) { appendEvents(input: $input) { __typename } }',
      { input: { stream: { name }, events: [{ id: 'not-a-uuid', type: 'A', data: {} }] } },
    );
    expectClientError(result, /UUID/);
    expect((await api().data(StreamDocument, { ref: { name } })).stream).toBeNull();
    expectClientError(await query('{ stream(ref: { id: "1234" }) { id } }'), /UUID/);
  });

  test('UUIDs in either case address the same stream', async () => {
    const id = randomUUID();
    await appendOk(api(), { id }, [event('A')]);
    const { stream } = await api().data(StreamDocument, { ref: { id: id.toUpperCase() } });
    expect(stream?.id).toBe(id);
  });

  test('DateTime values are ISO-8601 in UTC', async () => {
    const before = Date.now();
    const success = await appendOk(api(), { name: uniqueName() }, [event('A')]);
    const recordedAt = success.events[0]!.recordedAt;
    expect(recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    expect(Math.abs(Date.parse(recordedAt) - before)).toBeLessThan(60_000);
  });

  test('data is required and non-null JSON', async () => {
    const mutation = 'mutation ($input: AppendEventsInput!) { appendEvents(input: $input) { __typename } }';
    const name = uniqueName();
    expectClientError(
      await query(mutation, { input: { stream: { name }, events: [{ type: 'A' }] } }),
      /data/,
    );
    expectClientError(
      await query(mutation, { input: { stream: { name }, events: [{ type: 'A', data: null }] } }),
      /data/,
    );
  });

  test('JSON given as a GraphQL literal is stored as JSON', async () => {
    const name = uniqueName();
    const result = await query(
      `mutation { appendEvents(input: { stream: { name: "${name}" }, events: [{ type: "A", data: { a: [1, "x", true, null], b: { c: 2.5 } } }] }) {
        ... on AppendEventsSuccess { events { data } } } }`,
    );
    expect(result.status).toBe(200);
    expect(result.data).toEqual({
      appendEvents: { events: [{ data: { a: [1, 'x', true, null], b: { c: 2.5 } } }] },
    });
  });

  test('wrong scalar types are refused', async () => {
    const result = await query(
      'mutation ($input: AppendEventsInput!) { appendEvents(input: $input) { __typename } }',
      { input: { stream: { name: uniqueName() }, expectedVersion: '1', events: [{ type: 'A', data: {} }] } },
    );
    expectClientError(result, /Int/);
    expectClientError(await query('{ events(first: "ten") { edges { cursor } } }'), /Int/);
  });
});

describe('malformed requests', () => {
  test('a body that is not JSON gets 400', async () => {
    const result = await api().post('{"query": "{ head }"', {});
    expect(result.status).toBe(400);
    expectNoLeak(result);
  });

  test('a body without a query gets 400', async () => {
    const result = await api().post(JSON.stringify({ variables: {} }));
    expect(result.status).toBe(400);
    expectNoLeak(result);
  });

  test('a syntax error and an unknown field get 400 with their message', async () => {
    const syntax = await query('{ head ');
    expect(syntax.status).toBe(400);
    expectClientError(syntax, /Syntax Error/);
    const unknown = await query('{ nope }');
    expect(unknown.status).toBe(400);
    expectClientError(unknown, /nope/);
  });

  test('a variable of the wrong input shape gets a GraphQL error', async () => {
    const result = await api().execute(AppendEventsDocument, {
      input: { stream: { name: uniqueName() }, events: 'nope' as never },
    });
    expectClientError(result);
  });

  test('a mutation over GET is refused with 405', async () => {
    const url = new URL(api().url);
    url.searchParams.set(
      'query',
      'mutation { deleteStream(input: { stream: { name: "x" } }) { __typename } }',
    );
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(405);
  });

  test('a query over GET works', async () => {
    const url = new URL(api().url);
    url.searchParams.set('query', '{ head }');
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { head: expect.any(Number) } });
  });
});
