import { countCalls, testClient } from '../support/dynamo.js';
/**
 * Stream metadata of delivered events is read once per page of the log, for all subscribers:
 * the gateway's DynamoDB reads while 200 subscribers (events, filtered events, eventBatches,
 * streamEvents) select `stream { id name category version … }` are those of one subscriber.
 * The gateway's own client is counted with an SDK middleware. Its pollers are woken by the
 * appends made through it and never poll on a timer here (60 s), so each append costs one
 * log read whatever the number of subscribers.
 */

import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import {
  AppendEventsDocument,
  OnEventBatchesDocument,
  type OnEventBatchesSubscription,
  OnEventsDocument,
  type OnEventsSubscription,
  OnStreamEventsDocument,
  type OnStreamEventsSubscription,
} from '../generated/graphql.js';
import { silentLogger, testConfig, uniqueName } from '../support/api.js';
import {
  type LiveSubscription,
  subscriptionsStarted,
  useSubscriptionClients,
} from '../support/subscriptions.js';

type DeliveredEvent = OnEventsSubscription['events'];

const client = testClient();
const calls = countCalls(client);
const clients = useSubscriptionClients();
const tenant = 'fanout';
const key = 'key-for-fanout-0123456789';
let app: App;
let url: string;

beforeAll(async () => {
  const config = testConfig({ apiKeys: { [key]: tenant } });
  app = buildApp(
    { ...config, subscriptionPoll: { activeIntervalMs: 60_000, maxIntervalMs: 60_000 } },
    { client, logger: silentLogger },
  );
  ({ url } = await app.start());
});

afterAll(async () => {
  await app?.stop();
  client.destroy();
});

interface Phase {
  reads: number;
  batchGets: number;
  delivered: DeliveredEvent[][];
}

/** Opens `count` subscribers of mixed kinds, appends 20 times, waits for every delivery. */
async function phase(count: number): Promise<Phase> {
  const streams = Array.from({ length: 4 }, () => ({ name: uniqueName('fan'), category: 'fan' }));
  const sockets = Array.from({ length: Math.ceil(count / 100) }, () => clients.ws(url, { key }));
  const subs: { sub: LiveSubscription<unknown>; expected: (types: string[], stream: number) => number }[] =
    [];
  for (let i = 0; i < count; i++) {
    const ws = sockets[Math.floor(i / 100)]!;
    const kind = i % 4;
    if (kind === 0) subs.push({ sub: ws.subscribe(OnEventsDocument, {}), expected: (types) => types.length });
    if (kind === 1)
      subs.push({
        sub: ws.subscribe(OnEventsDocument, { filter: { types: ['A'] } }),
        expected: (types) => types.filter((type) => type === 'A').length,
      });
    if (kind === 2)
      subs.push({
        sub: ws.subscribe(OnEventBatchesDocument, { maxWaitMs: 0 }),
        expected: (types) => types.length,
      });
    if (kind === 3)
      subs.push({
        sub: ws.subscribe(OnStreamEventsDocument, { stream: streams[i % 4]! }),
        expected: (types, stream) => (stream === i % 4 ? types.length : 0),
      });
  }
  await subscriptionsStarted(app, tenant, count);
  calls.reset();
  const want = subs.map(() => 0);
  for (let i = 0; i < 20; i++) {
    const types = i % 2 === 0 ? ['A', 'B'] : ['B'];
    await append(streams[i % 4]!, types);
    subs.forEach((entry, index) => {
      want[index]! += entry.expected(types, i % 4);
    });
    await Promise.all(
      subs.map((entry, index) => entry.sub.waitUntil((items) => eventsOf(items).length >= want[index]!)),
    );
  }
  const counted = { reads: calls.reads(), batchGets: calls.get('BatchGetItemCommand') };
  const delivered = subs.map((entry) => eventsOf(entry.sub.items));
  for (const entry of subs) expect(entry.sub.errors).toEqual([]);
  for (const entry of subs) entry.sub.unsubscribe();
  await Promise.all(sockets.map((socket) => socket.dispose()));
  return { ...counted, delivered };
}

/** An append through the counted gateway, so that it wakes that gateway's poller. */
async function append(stream: { name: string; category: string }, types: string[]): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: print(AppendEventsDocument),
      variables: { input: { stream, events: types.map((type) => ({ type, data: {} })) } },
    }),
  });
  const body = (await response.json()) as { data?: { appendEvents?: { __typename?: string } } };
  expect(body.data?.appendEvents?.__typename).toBe('AppendEventsSuccess');
}

function eventsOf(items: unknown[]): DeliveredEvent[] {
  return items.flatMap((item) => {
    const payload = item as Partial<
      OnEventsSubscription & OnEventBatchesSubscription & OnStreamEventsSubscription
    >;
    if (payload.events) return [payload.events];
    if (payload.eventBatches) return payload.eventBatches.events;
    return payload.streamEvents ? [payload.streamEvents] : [];
  });
}

describe('stream metadata for subscribers', () => {
  test('reads with 200 subscribers selecting `stream` are those of 1 (within 10%)', async () => {
    const one = await phase(1);
    const many = await phase(200);
    console.info(
      `DynamoDB reads for 20 appends: 1 subscriber ${one.reads} (${one.batchGets} BatchGetItem), 200 subscribers ${many.reads} (${many.batchGets} BatchGetItem)`,
    );
    // One log Query and one BatchGetItem of heads per append, whatever the subscribers.
    expect(one.batchGets).toBeGreaterThan(0);
    expect(Math.abs(many.reads - one.reads)).toBeLessThanOrEqual(Math.ceil(one.reads * 0.1));
    for (const events of [...one.delivered, ...many.delivered]) {
      for (const delivered of events) {
        // At least as new as the read that found the event.
        expect(delivered.stream.version).toBeGreaterThanOrEqual(delivered.version);
        expect(delivered.stream.category).toBe('fan');
        expect(delivered.stream.name).toMatch(/^fan/);
      }
    }
  });
});
