/**
 * urql (@urql/core 6) with Graphcache against a real gateway: HTTP for queries, graphql-ws
 * through subscriptionExchange for subscriptions. Graphcache keys `Stream` on (id, category),
 * since the same name in two categories is two streams with one id, and uses the generated
 * `possibleTypes` for the result unions and the `Error` interface.
 */
import { Client, type ExecutionResult, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  ClientOnStreamEventsDocument,
  type ClientOnStreamEventsSubscription,
  ClientStreamDocument,
  ClientTwoStreamsDocument,
} from '../generated/graphql.js';
import introspection from '../generated/possible-types.js';
import { useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';
import { subscriptionsStarted } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'urql-client-test-key-0123456789';
const tenant = 'urql-tenant';
const api = useTestApi({ apiKeys: { [key]: tenant } });

let wsClient: ReturnType<typeof createClient> | undefined;

function urqlClient(): Client {
  wsClient ??= createClient({
    url: api().url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  const ws = wsClient;
  return new Client({
    url: api().url,
    fetchOptions: { headers: { authorization: `Bearer ${key}` } },
    exchanges: [
      // The cache configuration the README shows.
      cacheExchange({
        keys: { Stream: (s) => `${s.id}/${s.category}` },
        possibleTypes: introspection.possibleTypes,
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, {
                next: (value) => sink.next(value as ExecutionResult),
                error: (error) => sink.error(error),
                complete: () => sink.complete(),
              });
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}

beforeAll(async () => {
  await appendOk(api(), { name: 'order-1', category: 'order' }, [event('OrderPlaced')], null, { key });
  await appendOk(
    api(),
    { name: 'order-1', category: 'archive' },
    [event('OrderArchived'), event('OrderPurged')],
    null,
    { key },
  );
});

afterAll(async () => {
  await wsClient?.dispose();
});

describe('urql with Graphcache keyed on Stream id/category', () => {
  test('two streams of one name in two categories are two cache entries', async () => {
    const client = urqlClient();
    const both = await client.query(ClientTwoStreamsDocument, {}).toPromise();
    expect(both.error).toBeUndefined();
    expect(both.data?.order).toMatchObject({ name: 'order-1', category: 'order', version: 1 });
    expect(both.data?.archive).toMatchObject({ name: 'order-1', category: 'archive', version: 2 });
    expect(both.data?.order?.id).toBe(both.data?.archive?.id);

    const archive = await client
      .query(ClientStreamDocument, { name: 'order-1', category: 'archive' })
      .toPromise();
    const order = await client
      .query(ClientStreamDocument, { name: 'order-1', category: 'order' })
      .toPromise();
    expect(archive.data?.stream).toMatchObject({ category: 'archive', version: 2 });
    expect(order.data?.stream).toMatchObject({ category: 'order', version: 1 });
  });

  test('a subscription over graphql-ws (subscriptionExchange) receives an append', async () => {
    const client = urqlClient();
    const received: ClientOnStreamEventsSubscription[] = [];
    const errors: unknown[] = [];
    const subscription = client
      .subscription(ClientOnStreamEventsDocument, {
        stream: { name: 'order-1', category: 'order' },
      })
      .subscribe((result) => {
        if (result.error) errors.push(result.error);
        if (result.data) received.push(result.data);
      });
    try {
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
    } finally {
      subscription.unsubscribe();
    }
  });
});
