// Many subscriptions at once, over SSE and graphql-ws, while DynamoDB answers the head read of
// every subscription's setup late: the gateway's client is a real one on the suite's DynamoDB
// Local whose GetItem calls wait while the test holds them (behind them, the store queues the
// tenant's other reads, as it does under load).
//
// - Every SSE subscription is counted (hub.stats(), which the eventloom_subscriptions gauge
//   reads) from the moment it is accepted, before its HTTP 200 is sent, and every one gets the
//   events appended afterwards: none is lost.
// - The per-tenant cap holds under a burst whose setups are all still reading, and its slots
//   come back when subscriptions end, also when the client went away during the setup.
// - HTTP 200 does not mean "subscribed" over SSE: a refused subscription gets 200 too, its
//   SUBSCRIPTION_LIMIT error being the stream's one record.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import type { App } from '../../src/app.js';
import { OnPositionsDocument } from '../generated/graphql.js';
import { useTestApi } from '../support/api.js';
import { testClient } from '../support/dynamo.js';
import { type LiveSubscription, useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

/** A client whose GetItem calls wait while `hold()` is in force, until `release()`. */
function lateGetItem(client: DynamoDBClient) {
  let gate: Promise<void> | null = null;
  let open = () => {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetItemCommand') await gate;
      return next(args);
    },
    { step: 'initialize', name: 'lateGetItem' },
  );
  return {
    client,
    hold() {
      gate ??= new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      open();
      gate = null;
    },
  };
}

/** What the eventloom_subscriptions gauge of `tenant` reads. */
function gauge(app: App, tenant: string): number {
  return app.subscriptions.stats().tenants.find((stats) => stats.tenant === tenant)?.subscriptions ?? 0;
}

async function append(app: App, tenant: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => ({ type: 'A', data: 1 }));
  await app.store.forTenant(tenant).append({ stream: { name: 'burst' }, events });
}

type Positions = { events: { position: number } };

function refused(subscriptions: LiveSubscription<Positions>[]): number {
  return subscriptions.filter((s) => s.errors[0]?.extensions?.code === 'SUBSCRIPTION_LIMIT').length;
}

const clients = useSubscriptionClients();

describe('a burst of SSE subscriptions', () => {
  const key = 'sse-burst-key-000000001';
  const dynamo = lateGetItem(testClient());
  const api = useTestApi({ apiKeys: { [key]: 'burst' }, client: dynamo.client });

  test('each is counted before its 200 is sent, and each gets the events appended afterwards', async () => {
    const count = 300;
    const { app, url } = api();
    dynamo.hold();
    const countedWhenAnswered: number[] = [];
    const subscriptions = Array.from({ length: count }, () => {
      const subscription = clients.sse(url, OnPositionsDocument, {}, { key });
      void subscription.status.then(() => countedWhenAnswered.push(gauge(app, 'burst')));
      return subscription;
    });
    // All are counted while their head reads wait: none has been answered yet.
    await until(
      () => gauge(app, 'burst') === count,
      () => `(gauge ${gauge(app, 'burst')})`,
      20_000,
    );
    expect(countedWhenAnswered).toEqual([]);

    dynamo.release();
    expect(await Promise.all(subscriptions.map((s) => s.status))).toEqual(Array(count).fill(200));
    expect(countedWhenAnswered).toEqual(Array(count).fill(count));

    // None is lost: every one gets the events appended after it was answered.
    await append(app, 'burst', 3);
    for (const subscription of subscriptions) {
      expect((await subscription.waitFor(3)).map((item) => item.events.position)).toEqual([1, 2, 3]);
      expect(subscription.errors).toEqual([]);
    }
    expect(gauge(app, 'burst')).toBe(count);
  });
});

describe('the per-tenant cap under a burst', () => {
  const key = 'sse-capped-key-00000001';
  const tenant = 'capped-burst';
  const cap = 50;
  const dynamo = lateGetItem(testClient());
  const api = useTestApi({
    apiKeys: { [key]: tenant },
    limits: { maxSubscriptionsPerTenant: cap },
    client: dynamo.client,
  });
  const subscribe = (count: number) =>
    Array.from({ length: count }, () => clients.sse(api().url, OnPositionsDocument, {}, { key }));
  const noneLeft = (timeoutMs?: number) =>
    until(
      () => api().app.subscriptions.subscriptionCount === 0,
      () => `(still counted: ${api().app.subscriptions.subscriptionCount})`,
      timeoutMs,
    );

  test(`200 concurrent SSE subscribes: ${cap} are accepted, the others refused (with HTTP 200); ended ones make room`, async () => {
    await noneLeft();
    const { app } = api();
    dynamo.hold();
    const burst = subscribe(200);
    // Refused at once; the accepted ones are still reading the head.
    await until(
      () => refused(burst) === 200 - cap,
      () => `(refused ${refused(burst)})`,
      20_000,
    );
    expect(gauge(app, tenant)).toBe(cap);

    dynamo.release();
    expect(await Promise.all(burst.map((s) => s.status))).toEqual(Array(200).fill(200));
    const accepted = burst.filter((s) => s.errors.length === 0);
    expect(accepted).toHaveLength(cap);
    expect(gauge(app, tenant)).toBe(cap);
    await append(app, tenant, 1);
    for (const subscription of accepted) expect((await subscription.waitFor(1)).length).toBe(1);

    // Ten end: ten of a burst of twenty get their slots.
    for (const subscription of accepted.slice(0, 10)) subscription.unsubscribe();
    await until(() => gauge(app, tenant) === cap - 10);
    const more = subscribe(20);
    expect(await Promise.all(more.map((s) => s.status))).toEqual(Array(20).fill(200));
    await until(
      () => refused(more) === 10,
      () => `(refused ${refused(more)})`,
      20_000,
    );
    expect(gauge(app, tenant)).toBe(cap);
  });

  test('SSE clients that go away while their subscriptions are setting up give their slots back', async () => {
    await noneLeft();
    const { app } = api();
    dynamo.hold();
    const gone = subscribe(cap);
    await until(() => gauge(app, tenant) === cap);
    for (const subscription of gone) subscription.unsubscribe();
    // Their setups finish after the clients left; nothing of them stays.
    dynamo.release();
    await noneLeft(10_000);

    const next = subscribe(cap);
    expect(await Promise.all(next.map((s) => s.status))).toEqual(Array(cap).fill(200));
    await append(app, tenant, 1);
    for (const subscription of next) expect((await subscription.waitFor(1)).length).toBe(1);
    expect(refused(next)).toBe(0);
  });

  test('graphql-ws: a burst on four connections is capped too; a connection closed during setup gives its slots back', async () => {
    await noneLeft();
    const { app, url } = api();
    dynamo.hold();
    const connections = Array.from({ length: 4 }, () => clients.ws(url, { key }));
    const burst = connections.flatMap((connection) =>
      Array.from({ length: 50 }, () => connection.subscribe(OnPositionsDocument, {})),
    );
    await until(
      () => refused(burst) === 200 - cap,
      () => `(refused ${refused(burst)})`,
      20_000,
    );
    expect(gauge(app, tenant)).toBe(cap);
    dynamo.release();
    await Promise.all(connections.map((connection) => connection.dispose()));
    await noneLeft();

    dynamo.hold();
    const closing = clients.ws(url, { key });
    for (let index = 0; index < cap; index++) closing.subscribe(OnPositionsDocument, {});
    await until(() => gauge(app, tenant) === cap);
    await closing.dispose();
    dynamo.release();
    await noneLeft(10_000);
  });
});
