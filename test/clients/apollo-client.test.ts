/**
 * Apollo Client 4 against a real gateway: HTTP for queries and mutations, graphql-ws for
 * subscriptions. A stream is keyed by (id, category) and the same name in two categories
 * shares an id, so the cache must key `Stream` on both fields (typePolicies), and it needs
 * the generated `possibleTypes` to read `... on Error` inside the result unions. Without that
 * configuration the two streams collide in the cache, which the last test shows.
 */
import { randomUUID } from 'node:crypto';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  ClientAppendDocument,
  ClientOnStreamEventsDocument,
  type ClientOnStreamEventsSubscription,
  ClientStreamDocument,
  ClientStreamEventTypesDocument,
  ClientTwoStreamsDocument,
} from '../generated/graphql.js';
import introspection from '../generated/possible-types.js';
import { useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';
import { subscriptionsStarted } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'apollo-client-test-key-0123456789';
const tenant = 'apollo-tenant';
const api = useTestApi({ apiKeys: { [key]: tenant } });

const disposers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.all(disposers.splice(0).map((dispose) => dispose()));
});

/** An Apollo Client on the test gateway: HTTP, plus graphql-ws for subscriptions. */
function apolloClient(cache: InMemoryCache): ApolloClient {
  const http = new HttpLink({ uri: api().url, headers: { authorization: `Bearer ${key}` } });
  const wsClient = createClient({
    url: api().url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(wsClient),
    http,
  );
  const client = new ApolloClient({ link, cache });
  disposers.push(async () => {
    client.stop();
    await wsClient.dispose();
  });
  return client;
}

/** The cache configuration the README shows. */
const configuredCache = () =>
  new InMemoryCache({
    typePolicies: { Stream: { keyFields: ['id', 'category'] } },
    possibleTypes: introspection.possibleTypes,
  });

beforeAll(async () => {
  const options = { key };
  await appendOk(
    api(),
    { name: 'order-1', category: 'order' },
    [event('OrderPlaced', { total: 10 })],
    null,
    options,
  );
  await appendOk(
    api(),
    { name: 'order-1', category: 'archive' },
    [event('OrderArchived'), event('OrderPurged')],
    null,
    options,
  );
});

/** The `message` an append result carries, if the cache kept one (only `Error` members have it). */
function messageOf(result: object | undefined): unknown {
  return result && 'message' in result ? result.message : undefined;
}

describe('Apollo Client 4 with keyFields [id, category] and the generated possibleTypes', () => {
  test('two streams of one name in two categories are two cache entries', async () => {
    const client = apolloClient(configuredCache());
    const { data } = await client.query({ query: ClientTwoStreamsDocument });
    expect(data?.order).toMatchObject({ name: 'order-1', category: 'order', version: 1 });
    expect(data?.archive).toMatchObject({ name: 'order-1', category: 'archive', version: 2 });
    expect(data?.order?.id).toBe(data?.archive?.id);

    // Read one at a time as well: each query's answer stays its own, also from the cache.
    const archive = await client.query({
      query: ClientStreamDocument,
      variables: { name: 'order-1', category: 'archive' },
    });
    const order = await client.query({
      query: ClientStreamDocument,
      variables: { name: 'order-1', category: 'order' },
      fetchPolicy: 'cache-first',
    });
    expect(archive.data?.stream).toMatchObject({ category: 'archive', version: 2 });
    expect(order.data?.stream).toMatchObject({ category: 'order', version: 1 });
    const cached = client.cache.extract() as Record<string, unknown>;
    expect(
      Object.keys(cached)
        .filter((id) => id.startsWith('Stream:'))
        .sort(),
    ).toEqual([
      `Stream:{"id":"${data?.order?.id}","category":"archive"}`,
      `Stream:{"id":"${data?.order?.id}","category":"order"}`,
    ]);
  });

  test("reads each stream's events", async () => {
    const client = apolloClient(configuredCache());
    type Events = { stream: { events: { edges: { node: { type: string; version: number } }[] } } };
    const order = await client.query<Events>({
      query: ClientStreamEventTypesDocument,
      variables: { name: 'order-1', category: 'order' },
    });
    const archive = await client.query<Events>({
      query: ClientStreamEventTypesDocument,
      variables: { name: 'order-1', category: 'archive' },
    });
    expect(order.data?.stream.events.edges.map((edge) => edge.node.type)).toEqual(['OrderPlaced']);
    expect(archive.data?.stream.events.edges.map((edge) => [edge.node.type, edge.node.version])).toEqual([
      ['OrderArchived', 1],
      ['OrderPurged', 2],
    ]);
  });

  test('a WrongExpectedVersionError is read through `... on Error { message }`', async () => {
    const client = apolloClient(configuredCache());
    const ref = { name: 'invoice-1', category: 'order' };
    const created = await client.mutate({
      mutation: ClientAppendDocument,
      variables: { input: { stream: ref, expectedVersion: 0, events: [event('InvoiceIssued')] } },
    });
    expect(created.data?.appendEvents).toMatchObject({
      __typename: 'AppendEventsSuccess',
      stream: { category: 'order', version: 1 },
    });

    const stale = await client.mutate({
      mutation: ClientAppendDocument,
      variables: { input: { stream: ref, expectedVersion: 5, events: [event('InvoicePaid')] } },
    });
    expect(stale.error).toBeUndefined();
    expect(stale.data?.appendEvents).toMatchObject({
      __typename: 'WrongExpectedVersionError',
      expectedVersion: 5,
      actualVersion: 1,
    });
    expect(messageOf(stale.data?.appendEvents)).toEqual(expect.any(String));
    expect(messageOf(stale.data?.appendEvents)).not.toBe('');
  });

  test('a subscription over graphql-ws (GraphQLWsLink) receives an append live', async () => {
    const client = apolloClient(configuredCache());
    const received: ClientOnStreamEventsSubscription[] = [];
    const errors: unknown[] = [];
    const subscription = client
      .subscribe({
        query: ClientOnStreamEventsDocument,
        variables: { stream: { name: 'order-1', category: 'order' } },
      })
      .subscribe({
        next: (result) => {
          if (result.error) errors.push(result.error);
          if (result.data) received.push(result.data);
        },
        error: (error) => errors.push(error),
      });
    disposers.push(() => subscription.unsubscribe());
    await subscriptionsStarted(api().app, tenant, 1);

    await appendOk(api(), { name: 'order-1', category: 'archive' }, [event('Elsewhere')], null, { key });
    await appendOk(api(), { name: 'order-1', category: 'order' }, [event('OrderShipped')], null, { key });
    await until(
      () => received.length > 0 || errors.length > 0,
      () => `a subscription event (errors ${JSON.stringify(errors)})`,
    );
    expect(errors).toEqual([]);
    expect(received[0]?.streamEvents).toMatchObject({
      type: 'OrderShipped',
      stream: { name: 'order-1', category: 'order', version: 2 },
    });
  });
});

describe('Apollo Client 4 and event ids', () => {
  test('an id stored in one stream is refused in another, so Event:<id> stays one event', async () => {
    const client = apolloClient(configuredCache());
    const id = randomUUID();
    const paid = { name: 'payment-1', category: 'order' };
    await appendOk(api(), paid, [{ id, type: 'PaymentTaken', data: { amount: 5 } }], null, { key });
    // The same client-chosen id sent to the same name in another category: refused, nothing stored.
    const copied = { name: 'payment-1', category: 'archive' };
    const refused = await client.mutate({
      mutation: ClientAppendDocument,
      variables: { input: { stream: copied, events: [{ id, type: 'PaymentCopied', data: { amount: 7 } }] } },
    });
    expect(refused.data?.appendEvents).toMatchObject({
      __typename: 'InvalidInputError',
      path: ['input', 'events', '0', 'id'],
      message: expect.stringContaining('unique within a tenant'),
    });
    // Read through the cache: the event shows its own stream's fields, and the other stream is absent.
    type Events = {
      stream: { events: { edges: { node: { id: string; type: string; data: unknown } }[] } } | null;
    };
    const order = await client.query<Events>({ query: ClientStreamEventTypesDocument, variables: paid });
    const archive = await client.query<Events>({ query: ClientStreamEventTypesDocument, variables: copied });
    expect(order.data?.stream?.events.edges.map((edge) => edge.node)).toEqual([
      { __typename: 'Event', id, type: 'PaymentTaken', version: 1, data: { amount: 5 } },
    ]);
    expect(archive.data?.stream).toBeNull();
    const cached = client.cache.extract() as Record<string, unknown>;
    expect(cached[`Event:${id}`]).toMatchObject({
      type: 'PaymentTaken',
      data: { amount: 5 },
    });
  });
});

describe('Apollo Client 4 without the configuration', () => {
  test('default InMemoryCache(): the same name in two categories collides, both show one stream', async () => {
    const client = apolloClient(new InMemoryCache());
    const { data } = await client.query({ query: ClientTwoStreamsDocument });
    // Both are normalized to Stream:<id>; the later field's data overwrites the earlier's.
    expect(data?.order).toEqual(data?.archive);
    expect(data?.order).toMatchObject({ name: 'order-1', category: 'archive' });
    const cached = client.cache.extract() as Record<string, unknown>;
    expect(Object.keys(cached).filter((id) => id.startsWith('Stream:'))).toEqual([
      `Stream:${data?.order?.id}`,
    ]);
  });

  test('without possibleTypes, `... on Error { message }` is silently dropped from a union result', async () => {
    const client = apolloClient(
      new InMemoryCache({ typePolicies: { Stream: { keyFields: ['id', 'category'] } } }),
    );
    const ref = { name: 'invoice-2', category: 'order' };
    await appendOk(api(), ref, [event('InvoiceIssued')], 0, { key });
    const stale = await client.mutate({
      mutation: ClientAppendDocument,
      variables: { input: { stream: ref, expectedVersion: 5, events: [event('InvoicePaid')] } },
    });
    // The fields selected directly on the member type arrive; the interface fragment's do not.
    expect(stale.data?.appendEvents).toEqual({
      __typename: 'WrongExpectedVersionError',
      expectedVersion: 5,
      actualVersion: 1,
    });
    expect(messageOf(stale.data?.appendEvents)).toBeUndefined();
  });
});
