/**
 * Restrictions, property-based (fast-check), on the real gateway over DynamoDB Local: random
 * streams in a few categories (some with the same name in two categories, some without
 * category), appended to by a full-access principal; a principal with random `categories` and
 * `streamIds` claims sees exactly the full view filtered by its claims, everywhere: `stream`,
 * `streams` (all and per category, paged), `events` (one page and small pages: ids, positions,
 * lastPosition) and an `eventBatches` subscription from 0 over a WebSocket (its events, and a
 * last checkpoint at the head). The expected view is computed here from the claims, not with the
 * gateway's StreamRestriction.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import fc from 'fast-check';
import { parse } from 'graphql';
import { afterAll, describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import { useTestApi } from '../support/api.js';
import { uniqueTenant } from '../support/dynamo.js';
import { useSubscriptionClients } from '../support/subscriptions.js';
import { fakeTokens } from '../support/tokens.js';

const tokens = fakeTokens();
const api = useTestApi({ options: { tokens: tokens.verifier } });
const clients = useSubscriptionClients();

const categoryPool = ['alpha', 'beta', 'gamma'] as const;
const namePool = ['s1', 's2', 's3', 's4'] as const;
const strangerId = '00000000-0000-4000-8000-000000000000';

interface StreamSpec {
  name: string;
  category: string | null;
}

interface Scenario {
  streams: StreamSpec[];
  /** Appends in order: which stream, how many events. */
  appends: { stream: number; count: number }[];
  categories: string[] | null;
  streamIds: string[] | null;
}

const scenario: fc.Arbitrary<Scenario> = fc
  .uniqueArray(
    fc.record({
      name: fc.constantFrom(...namePool),
      category: fc.constantFrom<string | null>(...categoryPool, null),
    }),
    { minLength: 1, maxLength: 6, selector: (stream) => `${stream.name}/${stream.category}` },
  )
  .chain((streams) =>
    fc.record({
      streams: fc.constant(streams),
      // Every stream once, in a random order, then more appends to random ones.
      appends: fc
        .tuple(
          fc.shuffledSubarray(
            streams.map((_, i) => i),
            { minLength: streams.length },
          ),
          fc.array(fc.nat({ max: streams.length - 1 }), { maxLength: 6 }),
          fc.array(fc.integer({ min: 1, max: 3 }), {
            minLength: streams.length + 6,
            maxLength: streams.length + 6,
          }),
        )
        .map(([once, more, counts]) =>
          [...once, ...more].map((stream, i) => ({ stream, count: counts[i] ?? 1 })),
        ),
      categories: fc.option(fc.subarray([...categoryPool, 'unused']), { nil: null }),
      // Ids of pool names (a name's id is that of every stream of that name, in any category),
      // upper case now and then, and an id no stream has.
      streamIds: fc.option(
        fc
          .subarray([...namePool.map(streamIdForName), strangerId])
          .chain((ids) => fc.constant(ids.map((id, i) => (i % 2 ? id.toUpperCase() : id)))),
        { nil: null },
      ),
    }),
  );

/** The claims, applied here independently of the gateway. */
function allowedBy(claims: Pick<Scenario, 'categories' | 'streamIds'>) {
  const ids = claims.streamIds?.map((id) => id.toLowerCase()) ?? null;
  if (claims.categories === null && ids === null) return () => true;
  return (stream: { id: string; category: string | null }) =>
    (stream.category !== null && (claims.categories?.includes(stream.category) ?? false)) ||
    (ids?.includes(stream.id) ?? false);
}

async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await api().post(JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
  if (result.errors || !result.data) throw new Error(`expected data: ${result.text}`);
  return result.data as T;
}

interface StreamView {
  id: string;
  name: string | null;
  category: string | null;
  version: number;
}

async function streamsByRef(token: string, refs: StreamSpec[]): Promise<(StreamView | null)[]> {
  const fields = refs.map((_, i) => `s${i}: stream(ref: $r${i}) { id name category version }`).join('\n');
  const declarations = refs.map((_, i) => `$r${i}: StreamRef!`).join(', ');
  const variables = Object.fromEntries(refs.map((ref, i) => [`r${i}`, ref]));
  const data = await gql<Record<string, StreamView | null>>(
    token,
    `query (${declarations}) { ${fields} }`,
    variables,
  );
  return refs.map((_, i) => data[`s${i}`] ?? null);
}

/** A whole listing, two streams a page; `category` undefined: all streams. */
async function listing(token: string, category: string | null | undefined): Promise<StreamView[]> {
  const streams: StreamView[] = [];
  let after: string | null = null;
  const query =
    category === undefined
      ? 'query ($after: String) { streams(first: 2, after: $after) { edges { node { id name category version } } pageInfo { hasNextPage endCursor } } }'
      : 'query ($after: String, $category: String) { streams(category: $category, first: 2, after: $after) { edges { node { id name category version } } pageInfo { hasNextPage endCursor } } }';
  for (;;) {
    const page: {
      streams: {
        edges: { node: StreamView }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } = await gql(token, query, { after, ...(category === undefined ? {} : { category }) });
    streams.push(...page.streams.edges.map((edge) => edge.node));
    if (!page.streams.pageInfo.hasNextPage) return streams;
    after = page.streams.pageInfo.endCursor;
    if (after === null) throw new Error('hasNextPage without an endCursor');
  }
}

interface LoggedEvent {
  id: string;
  position: number;
  stream: { id: string; category: string | null };
}

const eventsQuery = `query ($after: Position, $first: Int) {
  events(after: $after, first: $first) { edges { node { id position stream { id category } } } lastPosition }
}`;

type EventsPage = { events: { edges: { node: LoggedEvent }[]; lastPosition: number } };

async function logInPages(
  token: string,
  first: number,
): Promise<{ events: LoggedEvent[]; lastPosition: number }> {
  const events: LoggedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await gql<EventsPage>(token, eventsQuery, { after, first });
    events.push(...page.events.edges.map((edge) => edge.node));
    if (page.events.lastPosition === after) return { events, lastPosition: after };
    after = page.events.lastPosition;
  }
}

type Batches = {
  eventBatches: { checkpoint: number; caughtUp: boolean; events: { id: string; position: number }[] };
};
const batchesDocument = parse(
  'subscription { eventBatches(after: 0, maxSize: 5, maxWaitMs: 0) { checkpoint caughtUp events { id position } } }',
) as TypedDocumentNode<Batches, Record<string, never>>;

const figures = { runs: 0, streams: 0, events: 0, restrictedEvents: 0, unrestrictedRuns: 0 };
afterAll(() => {
  console.info(
    `restrictions property: ${figures.runs} runs, ${figures.streams} streams, ${figures.events} events (${figures.restrictedEvents} visible to the restricted principal), ${figures.unrestrictedRuns} runs with no restriction`,
  );
});

async function check(s: Scenario): Promise<void> {
  const tenant = uniqueTenant('prop');
  const full = tokens.issue({ tenant });
  const restricted = tokens.issue({ tenant, categories: s.categories, streamIds: s.streamIds });
  const allowed = allowedBy(s);

  for (const { stream, count } of s.appends) {
    const spec = s.streams[stream];
    await gql(
      full,
      `mutation ($stream: StreamRef!, $events: [EventInput!]!) {
        appendEvents(input: { stream: $stream, events: $events }) { ... on AppendEventsSuccess { replayed } }
      }`,
      { stream: spec, events: Array.from({ length: count }, (_, i) => ({ type: 'T', data: i })) },
    );
  }
  const head = (await gql<{ head: number }>(full, '{ head }')).head;
  expect(head).toBe(s.appends.reduce((sum, append) => sum + append.count, 0));

  // stream: every generated ref, and every pool name in every category (most of them missing).
  const refs: StreamSpec[] = namePool.flatMap((name) =>
    [...categoryPool, null].map((category) => ({ name, category })),
  );
  const [fullStreams, restrictedStreams] = await Promise.all([
    streamsByRef(full, refs),
    streamsByRef(restricted, refs),
  ]);
  expect(restrictedStreams).toEqual(fullStreams.map((stream) => (stream && allowed(stream) ? stream : null)));

  // streams: all, and per category (null: those without category).
  for (const category of [undefined, ...categoryPool, null]) {
    const [all, mine] = await Promise.all([listing(full, category), listing(restricted, category)]);
    expect(mine).toEqual(all.filter(allowed));
  }

  // events: one page, then pages of 3.
  const [fullPage, restrictedPage] = await Promise.all([
    gql<EventsPage>(full, eventsQuery, { after: 0, first: 1000 }),
    gql<EventsPage>(restricted, eventsQuery, { after: 0, first: 1000 }),
  ]);
  const fullEvents = fullPage.events.edges.map((edge) => edge.node);
  const expected = fullEvents.filter((event) => allowed(event.stream));
  expect(fullEvents).toHaveLength(head);
  expect(restrictedPage.events.edges.map((edge) => edge.node)).toEqual(expected);
  expect(restrictedPage.events.lastPosition).toBe(fullPage.events.lastPosition);
  const paged = await logInPages(restricted, 3);
  expect(paged.events).toEqual(expected);
  expect(paged.lastPosition).toBe(head);

  // eventBatches from 0 over a WebSocket: the filtered log, then a caught-up batch at the head.
  const ws = clients.ws(api().url, { key: restricted });
  try {
    const batches = ws.subscribe(batchesDocument);
    await batches.waitUntil((items) => items.some((item) => item.eventBatches.caughtUp));
    expect(batches.errors).toEqual([]);
    const received = batches.items.flatMap((item) => item.eventBatches.events);
    expect(received).toEqual(expected.map(({ id, position }) => ({ id, position })));
    expect(batches.items.at(-1)?.eventBatches.checkpoint).toBe(head);
  } finally {
    await ws.dispose();
  }

  figures.runs++;
  figures.streams += new Set(s.appends.map((append) => append.stream)).size;
  figures.events += head;
  figures.restrictedEvents += expected.length;
  if (s.categories === null && s.streamIds === null) figures.unrestrictedRuns++;
}

describe('restrictions, property-based', () => {
  test('a restricted principal’s view is the full view filtered by its claims: stream, streams, events, eventBatches', async () => {
    await fc.assert(fc.asyncProperty(scenario, check), { numRuns: 20 });
    expect(figures.runs).toBe(20);
  }, 180_000);
});
