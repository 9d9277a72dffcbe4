// Property-based hostile input through HTTP: random and malformed variables for appends and
// queries (strings where numbers go, huge numbers, unicode and control characters, deep JSON,
// enormous arrays, invalid cursors, cursors of another tenant). Every answer is a GraphQL
// error or a typed result, never a 5xx or a stack trace; the store's invariants hold after.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { useTestApi } from '../support/api.js';
import { readWholeLog } from '../support/log.js';

const keyA = 'hostile-key-tenant-a-000';
const keyB = 'hostile-key-tenant-b-000';
const api = useTestApi({ apiKeys: { [keyA]: 'hostileA', [keyB]: 'hostileB' } });

const append = `mutation($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess { events { position version } }
    ... on Error { message }
  }
}`;
const readStream = `query($ref: StreamRef!, $first: Int, $after: String, $last: Int, $before: String, $from: Int, $to: Int) {
  stream(ref: $ref) { version events(first: $first, after: $after, last: $last, before: $before, fromVersion: $from, toVersion: $to) {
    edges { cursor node { version data } } pageInfo { hasNextPage }
  } }
}`;
const readLog = `query($after: Position, $first: Int, $filter: EventFilter) {
  events(after: $after, first: $first, filter: $filter) { edges { cursor node { position } } }
}`;
const streams = `query($category: String, $first: Int, $after: String) {
  streams(category: $category, first: $first, after: $after) { edges { cursor node { id name } } }
}`;

const weird = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\u001b[31m',
    '\ud800',
    '💥'.repeat(100),
    'x'.repeat(5000),
    '../../etc/passwd',
    '{"a":1}',
  ),
);
const anything: fc.Arbitrary<unknown> = fc.oneof(
  weird,
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53, 2 ** 64, -1, 1e308, null, true, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.integer(), { minLength: 1000, maxLength: 3000 }),
);
let deep: unknown = 0;
for (let level = 0; level < 500; level++) deep = { d: deep };
const data = fc.oneof(fc.jsonValue({ maxDepth: 4 }), anything, fc.constant(deep));
const streamRef = fc.record(
  {
    id: fc.oneof(fc.uuid(), weird),
    name: fc.oneof(fc.constantFrom('s1', 's2'), weird),
    category: fc.oneof(fc.constantFrom('c', null), weird),
  },
  { requiredKeys: [] },
);
const appendVariables = fc.record({
  input: fc.oneof(
    fc.record({
      stream: streamRef,
      expectedVersion: fc.oneof(fc.constant(undefined), anything),
      events: fc.oneof(
        fc.array(
          fc.record(
            {
              id: fc.oneof(fc.uuid(), weird),
              type: fc.oneof(fc.constantFrom('T'), weird),
              data,
              metadata: data,
            },
            { requiredKeys: ['type', 'data'] },
          ),
          { maxLength: 4 },
        ),
        fc.array(fc.record({ type: fc.constant('T'), data: fc.constant(1) }), {
          minLength: 26,
          maxLength: 40,
        }),
        anything,
      ),
    }),
    anything,
  ),
});
const queryVariables = fc.record(
  {
    ref: streamRef,
    first: anything,
    after: anything,
    last: anything,
    before: anything,
    from: anything,
    to: anything,
    category: anything,
  },
  { requiredKeys: [] },
);
const logVariables = fc.record(
  {
    after: anything,
    first: anything,
    filter: fc.oneof(
      anything,
      fc.record(
        {
          categories: fc.array(weird),
          types: fc.array(weird),
          streamIds: fc.array(fc.oneof(fc.uuid(), weird)),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

function checkAnswer(result: { status: number; text: string }) {
  expect(result.status, result.text.slice(0, 300)).toBeLessThan(500);
  expect(result.text).not.toMatch(
    /\n\s+at |node_modules|\/src\/|Dynamo(DB)?Client|ECONN|TypeError|ReferenceError/,
  );
}

describe('hostile input through GraphQL', () => {
  test('appends and queries with random and malformed variables: no 5xx, no stack, invariants hold', async () => {
    const key = { authorization: `Bearer ${keyA}` };
    const post = (query: string, variables: unknown) => api().post(JSON.stringify({ query, variables }), key);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          appendVariables.map((variables) => [append, variables] as const),
          queryVariables.map((variables) => [readStream, variables] as const),
          queryVariables.map((variables) => [streams, variables] as const),
          logVariables.map((variables) => [readLog, variables] as const),
        ),
        async ([query, variables]) => checkAnswer(await post(query, variables)),
      ),
      { numRuns: 120 },
    );
    // Malformed bodies.
    for (const body of [
      '{',
      '[]',
      'null',
      '{"query": 5}',
      `{"query": "${'{a'.repeat(2000)}"}`,
      '{"query":"{ head }","variables":"x"}',
    ]) {
      checkAnswer(await api().post(body, key));
    }
    const store = api().app.store.forTenant('hostileA');
    const events = await readWholeLog(store);
    expect(events.map((event) => event.position)).toEqual(events.map((_, index) => index + 1));
  });

  test("a cursor taken from one tenant never reads the other tenant's data", async () => {
    const secret = { type: 'Secret', data: { owner: 'A' } };
    const asA = { authorization: `Bearer ${keyA}` };
    const asB = { authorization: `Bearer ${keyB}` };
    for (let index = 0; index < 3; index++) {
      await api().post(
        JSON.stringify({
          query: append,
          variables: { input: { stream: { name: 'shared' }, events: [secret] } },
        }),
        asA,
      );
    }
    await api().post(
      JSON.stringify({
        query: append,
        variables: {
          input: { stream: { name: 'shared' }, events: [{ type: 'Mine', data: { owner: 'B' } }] },
        },
      }),
      asB,
    );
    const fromA = (await api().post(
      JSON.stringify({ query: readStream, variables: { ref: { name: 'shared' }, first: 1 } }),
      asA,
    )) as {
      data?: { stream: { events: { edges: Array<{ cursor: string }> } } };
    };
    const cursor = fromA.data?.stream.events.edges[0]?.cursor;
    expect(cursor).toBeTruthy();
    const asBWithA = await api().post(
      JSON.stringify({ query: readStream, variables: { ref: { name: 'shared' }, after: cursor, first: 10 } }),
      asB,
    );
    checkAnswer(asBWithA);
    expect(asBWithA.text).not.toContain('"owner":"A"');
    const logCursor = await api().post(
      JSON.stringify({ query: readLog, variables: { after: 0, first: 10 } }),
      asB,
    );
    expect(logCursor.text).not.toContain('"owner":"A"');
    const listing = await api().post(JSON.stringify({ query: streams, variables: {} }), asB);
    expect((listing.data as { streams: { edges: unknown[] } }).streams.edges.length).toBe(1);
  });

  test("malformed JSON bodies get 400 BAD_REQUEST without the parser's error name or text", async () => {
    for (const body of ['{"query":', '{"query": "{ head }", "variables": [1', 'not json', '\u0000']) {
      const result = await api().post(body, { authorization: `Bearer ${keyA}` });
      expect(result.status).toBe(400);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(result.text).not.toMatch(/originalError|SyntaxError|JSON input|position \d|Unexpected token/);
    }
  });
});
