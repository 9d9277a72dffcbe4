/**
 * Restrictions (the access part of the API contract): a token principal restricted to
 * `categories` and/or `streamIds` sees and writes only the streams whose category is in the one
 * or whose id is in the other. A forbidden stream reads as missing; the log and every
 * subscription skip its events as if filtered out (lastPosition and checkpoints still advance);
 * writes to it are refused with FORBIDDEN and write nothing. One rule per test, over HTTP and a
 * WebSocket, on the real gateway with a fake token verifier (test/support/tokens.ts).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { uniqueTenant } from '../support/dynamo.js';
import { useSubscriptionClients } from '../support/subscriptions.js';
import { fakeTokens } from '../support/tokens.js';

const tenant = uniqueTenant('restrict');
const fullKey = 'restrictions-full-access-key-0123456789';
const tokens = fakeTokens();
const api = useTestApi({ apiKeys: { [fullKey]: tenant }, options: { tokens: tokens.verifier } });
const clients = useSubscriptionClients();

interface Result<T> {
  status: number;
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

async function run<T>(credential: string, query: string, variables: Record<string, unknown> = {}) {
  const result = await api().post(JSON.stringify({ query, variables }), {
    authorization: `Bearer ${credential}`,
  });
  return result as Result<T>;
}

async function data<T>(credential: string, query: string, variables: Record<string, unknown> = {}) {
  const result = await run<T>(credential, query, variables);
  if (result.errors || !result.data) throw new Error(`expected data: ${JSON.stringify(result)}`);
  return result.data;
}

interface Ref {
  name: string;
  category: string | null;
}

async function append(ref: Ref, count = 1): Promise<number[]> {
  const result = await data<{ appendEvents: { events: { position: number }[] } }>(
    fullKey,
    `mutation ($stream: StreamRef!, $events: [EventInput!]!) {
      appendEvents(input: { stream: $stream, events: $events }) { ... on AppendEventsSuccess { events { position } } }
    }`,
    { stream: ref, events: Array.from({ length: count }, (_, i) => ({ type: 'T', data: i })) },
  );
  return result.appendEvents.events.map((event) => event.position);
}

async function head(): Promise<number> {
  return (await data<{ head: number }>(fullKey, '{ head }')).head;
}

const streamQuery = 'query ($ref: StreamRef!) { stream(ref: $ref) { id version } }';

async function streamOf(credential: string, ref: Ref | { id: string; category: string | null }) {
  return (await data<{ stream: { id: string; version: number } | null }>(credential, streamQuery, { ref }))
    .stream;
}

/** A test's own streams: allowed o-1, o-2 (category), u-2 (by id); forbidden u-1, n-1 (no category). */
function scene() {
  const order = uniqueName('order');
  const user = uniqueName('user');
  const refs = {
    o1: { name: uniqueName('o-1'), category: order },
    o2: { name: uniqueName('o-2'), category: order },
    u1: { name: uniqueName('u-1'), category: user },
    u2: { name: uniqueName('u-2'), category: user },
    n1: { name: uniqueName('n-1'), category: null },
  } satisfies Record<string, Ref>;
  const token = tokens.issue({ tenant, categories: [order], streamIds: [streamIdForName(refs.u2.name)] });
  return { order, user, refs, token };
}

const forbidden = expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) });

describe('restrictions over HTTP', () => {
  test('stream: a forbidden stream is null, as a missing one; allowed ones by category or by id are there', async () => {
    const { refs, token } = scene();
    for (const ref of Object.values(refs)) await append(ref);
    expect(await streamOf(token, refs.u1)).toBeNull();
    expect(await streamOf(token, refs.n1)).toBeNull();
    expect(await streamOf(fullKey, refs.u1)).toMatchObject({ version: 1 });
    expect(await streamOf(token, refs.o1)).toMatchObject({ id: streamIdForName(refs.o1.name), version: 1 });
    expect(await streamOf(token, refs.u2)).toMatchObject({ id: streamIdForName(refs.u2.name), version: 1 });
    // Asked by id (any category) the same: the id of u-1 in its category is forbidden.
    expect(
      await streamOf(token, { id: streamIdForName(refs.u1.name), category: refs.u1.category }),
    ).toBeNull();
    // A token without restrictions sees everything.
    const unrestricted = tokens.issue({ tenant });
    expect(await streamOf(unrestricted, refs.u1)).toMatchObject({ version: 1 });
  });

  test('streams: listings omit forbidden streams, per category and all, page after page', async () => {
    const { order, user, refs, token } = scene();
    for (const ref of Object.values(refs)) await append(ref);
    const listed = async (credential: string, category?: string | null) => {
      const ids: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: {
          streams: {
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        } = await data(
          credential,
          category === undefined
            ? 'query ($after: String) { streams(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }'
            : 'query ($after: String, $category: String) { streams(category: $category, first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
          { after, ...(category === undefined ? {} : { category }) },
        );
        ids.push(...page.streams.edges.map((edge) => edge.node.id));
        if (!page.streams.pageInfo.hasNextPage) return ids.sort();
        after = page.streams.pageInfo.endCursor;
        expect(after).not.toBeNull();
      }
    };
    const idsOf = (...list: Ref[]) => list.map((ref) => streamIdForName(ref.name)).sort();
    expect(await listed(token)).toEqual(idsOf(refs.o1, refs.o2, refs.u2));
    expect(await listed(token, order)).toEqual(idsOf(refs.o1, refs.o2));
    expect(await listed(token, user)).toEqual(idsOf(refs.u2));
    expect(await listed(fullKey, user)).toEqual(idsOf(refs.u1, refs.u2));
  });

  test('events: forbidden streams’ events are skipped as if filtered out; lastPosition is the full read’s', async () => {
    const { refs, token } = scene();
    const start = await head();
    const expected: number[] = [];
    for (const ref of [refs.u1, refs.o1, refs.n1, refs.u2, refs.u1, refs.o2, refs.n1]) {
      const positions = await append(ref, 2);
      if (ref !== refs.u1 && ref !== refs.n1) expected.push(...positions);
    }
    const query = `query ($after: Position, $first: Int) {
      events(after: $after, first: $first) { edges { node { position stream { id name version } } } lastPosition pageInfo { hasNextPage } }
    }`;
    type Page = {
      events: {
        edges: { node: { position: number; stream: { name: string; version: number } } }[];
        lastPosition: number;
      };
    };
    const full = await data<Page>(fullKey, query, { after: start, first: 1000 });
    const restricted = await data<Page>(token, query, { after: start, first: 1000 });
    expect(restricted.events.edges.map((edge) => edge.node.position)).toEqual(expected);
    expect(restricted.events.lastPosition).toBe(full.events.lastPosition);
    expect(restricted.events.lastPosition).toBe(start + 14);
    // Event.stream (the request's batched loader) resolves for every delivered event.
    expect(restricted.events.edges.every((edge) => edge.node.stream.version === 2)).toBe(true);
    // Page by page, ending early on skipped entries, the same events.
    const paged: number[] = [];
    let after = start;
    for (;;) {
      const page = await data<Page>(token, query, { after, first: 1 });
      paged.push(...page.events.edges.map((edge) => edge.node.position));
      if (page.events.lastPosition === after) break;
      after = page.events.lastPosition;
    }
    expect(paged).toEqual(expected);
  });

  test('appendEvents to a forbidden stream (existing or new) is FORBIDDEN and writes nothing', async () => {
    const { refs, token } = scene();
    await append(refs.u1);
    const before = await head();
    const mutation = `mutation ($stream: StreamRef!) {
      appendEvents(input: { stream: $stream, events: [{ type: "X", data: 1 }] }) { __typename }
    }`;
    for (const ref of [refs.u1, { name: uniqueName('fresh'), category: refs.u1.category }, refs.n1]) {
      const refused = await run<{ appendEvents: unknown }>(token, mutation, { stream: ref });
      expect(refused.errors).toEqual([forbidden]);
      expect(refused.data?.appendEvents ?? null).toBeNull();
      expect(await streamOf(fullKey, ref)).toEqual(
        ref === refs.u1 ? expect.objectContaining({ version: 1 }) : null,
      );
    }
    expect(await head()).toBe(before);
    // Allowed by category and by id, it writes.
    for (const ref of [refs.o1, refs.u2]) {
      const ok = await data<{ appendEvents: { __typename: string } }>(token, mutation, { stream: ref });
      expect(ok.appendEvents.__typename).toBe('AppendEventsSuccess');
    }
    expect(await head()).toBe(before + 2);
  });

  test('saveSnapshot on a forbidden stream is FORBIDDEN and writes nothing', async () => {
    const { refs, token } = scene();
    await append(refs.u1, 2);
    const mutation = `mutation ($stream: StreamRef!) {
      saveSnapshot(input: { stream: $stream, version: 1, type: "S", data: 1 }) { __typename }
    }`;
    const refused = await run(token, mutation, { stream: refs.u1 });
    expect(refused.errors).toEqual([forbidden]);
    const snapshotQuery = 'query ($ref: StreamRef!) { stream(ref: $ref) { snapshot { version } } }';
    const stored = await data<{ stream: { snapshot: unknown } }>(fullKey, snapshotQuery, { ref: refs.u1 });
    expect(stored.stream.snapshot).toBeNull();
    await append(refs.o1, 2);
    const ok = await data<{ saveSnapshot: { __typename: string } }>(token, mutation, { stream: refs.o1 });
    expect(ok.saveSnapshot.__typename).toBe('SaveSnapshotSuccess');
  });

  test('deleteStream on a forbidden stream is FORBIDDEN and deletes nothing', async () => {
    const { refs, token } = scene();
    await append(refs.u1, 3);
    const before = await head();
    const mutation = `mutation ($stream: StreamRef!) { deleteStream(input: { stream: $stream }) { __typename } }`;
    const refused = await run(token, mutation, { stream: refs.u1 });
    expect(refused.errors).toEqual([forbidden]);
    expect(await streamOf(fullKey, refs.u1)).toMatchObject({ version: 3 });
    const events = await data<{ events: { edges: unknown[] } }>(
      fullKey,
      '{ events(first: 1000) { edges { cursor } } }',
    );
    expect(events.events.edges.length).toBeGreaterThanOrEqual(3);
    expect(await head()).toBe(before);
  });
});

describe('restrictions over a WebSocket', () => {
  type Batch = { eventBatches: { checkpoint: number; events: { position: number }[] } };
  type Delivered = { position: number; stream: { id: string; version: number } };

  test('events, eventBatches and streamEvents skip forbidden streams; checkpoints reach the head; writes over the socket are refused', async () => {
    const { refs, token } = scene();
    const start = await head();
    const ws = clients.ws(api().url, { key: token });
    const doc = <T>(query: string) => parse(query) as TypedDocumentNode<T, Record<string, unknown>>;
    const events = ws.subscribe(
      doc<{ events: Delivered }>(
        'subscription ($after: Position) { events(after: $after) { position stream { id version } } }',
      ),
      { after: start },
    );
    const batches = ws.subscribe(
      doc<Batch>(
        'subscription ($after: Position) { eventBatches(after: $after, maxSize: 3, maxWaitMs: 0) { checkpoint events { position } } }',
      ),
      { after: start },
    );
    const streamEventsQuery =
      'subscription ($stream: StreamRef!) { streamEvents(stream: $stream, afterVersion: 0) { position } }';
    const forbiddenStream = ws.subscribe(doc<{ streamEvents: { position: number } }>(streamEventsQuery), {
      stream: refs.u1,
    });
    const allowedStream = ws.subscribe(doc<{ streamEvents: { position: number } }>(streamEventsQuery), {
      stream: refs.u2,
    });
    const expected: number[] = [];
    const ofU2: number[] = [];
    for (const ref of [refs.u1, refs.o1, refs.n1, refs.u2, refs.u1, refs.o2, refs.u2, refs.n1]) {
      const positions = await append(ref, 2);
      if (ref !== refs.u1 && ref !== refs.n1) expected.push(...positions);
      if (ref === refs.u2) ofU2.push(...positions);
    }
    // The log ends with a forbidden stream's events. A batch subscription reading it as
    // history goes live with a caught-up batch whose checkpoint is past them: the head.
    const forbiddenTail = start + 16;
    expect(await head()).toBe(forbiddenTail);
    const fromHistory = ws.subscribe(
      doc<Batch & { eventBatches: { caughtUp: boolean } }>(
        'subscription ($after: Position) { eventBatches(after: $after, maxSize: 1000, maxWaitMs: 0) { checkpoint caughtUp events { position } } }',
      ),
      { after: start },
    );
    await fromHistory.waitUntil((items) => items.some((item) => item.eventBatches.caughtUp));
    expect(fromHistory.items.at(-1)?.eventBatches.checkpoint).toBe(forbiddenTail);
    expect(
      fromHistory.items.flatMap((item) => item.eventBatches.events.map((event) => event.position)),
    ).toEqual(expected);
    // Live, a batch is sent for events to deliver: one more allowed append, and the live batches'
    // checkpoint reaches the head, having passed the forbidden tail.
    expected.push(...(await append(refs.o1, 2)));
    const end = start + 18;
    await batches.waitUntil((items) => items.at(-1)?.eventBatches.checkpoint === end);
    expect(batches.items.flatMap((item) => item.eventBatches.events.map((event) => event.position))).toEqual(
      expected,
    );
    await events.waitFor(expected.length);
    await allowedStream.waitFor(ofU2.length);
    expect(events.items.map((item) => item.events.position)).toEqual(expected);
    expect(allowedStream.items.map((item) => item.streamEvents.position)).toEqual(ofU2);
    // Everything after the last forbidden event has been delivered to the others: the
    // forbidden stream's subscription is open and has received nothing.
    expect(forbiddenStream.items).toEqual([]);
    expect(forbiddenStream.errors).toEqual([]);
    // A write over the socket is refused the same way; the connection stays up.
    const refused = await ws
      .execute(
        'mutation ($stream: StreamRef!) { appendEvents(input: { stream: $stream, events: [{ type: "X", data: 1 }] }) { __typename } }',
        { stream: refs.u1 },
      )
      .catch((errors: unknown) => ({ errors }));
    expect(refused.errors).toEqual([forbidden]);
    expect(await head()).toBe(end);
    expect(ws.closeCodes).toEqual([]);
  });
});
