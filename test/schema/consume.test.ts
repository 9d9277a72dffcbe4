/**
 * Subscription.consume on one gateway, a rule of the consumers part's header per test: order,
 * maxInFlight, ack, nack RETRY and PARK, ack timeout, parking after maxAttempts, replay, reset,
 * delete completing the subscription, one receiver at a time, and the refusals. Real gateway,
 * DynamoDB Local, graphql-ws. (Across gateway processes: test/consumers/consume-processes.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import {
  AckEventsDocument,
  ConsumeDocument,
  ConsumerDocument,
  type ConsumeSubscription,
  CreateConsumerDocument,
  DeleteConsumerDocument,
  NackEventsDocument,
  ReplayParkedDocument,
  ResetConsumerDocument,
} from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';
import { useSubscriptionClients } from '../support/subscriptions.js';

const api = useTestApi();
const clients = useSubscriptionClients();
type Message = ConsumeSubscription;
const positions = (items: Message[]) => items.map((item) => item.consume.event.position);

/** A consumer created at the head, and `count` events appended to one new stream after it. */
async function consumerWithEvents(count: number, settings: Record<string, unknown> = {}) {
  const name = uniqueName('consumer');
  const created = await api().data(CreateConsumerDocument, { input: { name, ...settings } as never });
  expect(created.createConsumer.__typename).toBe('ConsumerSuccess');
  const stream = uniqueName('s');
  const events = Array.from({ length: count }, (_, index) => event('Counted', { index }));
  if (count === 0) return { name, positions: [] as number[] };
  const appended = await appendOk(api(), { name: stream }, events);
  return { name, positions: appended.events.map((appendedEvent) => appendedEvent.position) };
}

const ack = (consumer: string, list: number[]) =>
  api().data(AckEventsDocument, { input: { consumer, positions: list } });
const nack = (consumer: string, list: number[], action: 'RETRY' | 'PARK', reason?: string) =>
  api().data(NackEventsDocument, { input: { consumer, positions: list, action, reason: reason ?? null } });

function consume(name: string, maxInFlight?: number) {
  const client = clients.ws(api().url);
  return client.subscribe(ConsumeDocument, { consumer: name, ...(maxInFlight ? { maxInFlight } : {}) });
}

async function parkedCount(name: string): Promise<number | undefined> {
  return (await api().data(ConsumerDocument, { name })).consumer?.parked.edges.length;
}

async function checkpointOf(name: string): Promise<number | undefined> {
  return (await api().data(ConsumerDocument, { name })).consumer?.checkpoint;
}

describe('delivery', () => {
  test('first deliveries come in position order, attempt 1, at most maxInFlight unacknowledged', async () => {
    const { name, positions: appended } = await consumerWithEvents(6);
    const sub = consume(name, 2);
    await sub.waitFor(2);
    // No more than 2 while none is acknowledged.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(positions(sub.items)).toEqual(appended.slice(0, 2));
    for (let taken = 2; taken < 6; taken += 2) {
      await ack(name, positions(sub.items).slice(taken - 2, taken));
      await sub.waitFor(taken + 2);
    }
    expect(positions(sub.items)).toEqual(appended);
    expect(sub.items.every((item) => item.consume.attempt === 1)).toBe(true);
  });

  test('acknowledged events move the checkpoint, saved within about a second', async () => {
    const { name, positions: appended } = await consumerWithEvents(3);
    const sub = consume(name);
    await sub.waitFor(3);
    await ack(name, appended);
    await expect.poll(() => checkpointOf(name), { timeout: 5000 }).toBe(appended[2]);
  });

  test('nack RETRY delivers the event again with attempt 2; nack PARK parks it with the reason', async () => {
    const { name, positions: appended } = await consumerWithEvents(2, { maxAttempts: 5 });
    const [first, second] = appended as [number, number];
    const sub = consume(name);
    await sub.waitFor(2);
    await nack(name, [first], 'RETRY');
    await sub.waitUntil((items) =>
      items.some((item) => item.consume.event.position === first && item.consume.attempt === 2),
    );
    await nack(name, [second], 'PARK', 'bad payload');
    await ack(name, [first]);
    await expect.poll(() => checkpointOf(name), { timeout: 5000 }).toBe(second);
    const read = await api().data(ConsumerDocument, { name });
    expect(read.consumer?.parked.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ position: second }),
        attempts: 0,
        reason: 'bad payload',
      }),
    ]);
  });

  test('an event not acknowledged within ackTimeoutMs comes again; after maxAttempts it is parked ("ack timeout")', async () => {
    const { name, positions: appended } = await consumerWithEvents(1, { maxAttempts: 2, ackTimeoutMs: 1000 });
    const sub = consume(name);
    await sub.waitUntil((items) => items.some((item) => item.consume.attempt === 2), 10_000);
    await expect.poll(() => parkedCount(name), { timeout: 10_000 }).toBe(1);
    const parked = (await api().data(ConsumerDocument, { name })).consumer?.parked.edges[0]?.node;
    expect(parked).toMatchObject({ event: { position: appended[0] }, attempts: 2, reason: 'ack timeout' });
    expect(positions(sub.items)).toEqual([appended[0], appended[0]]);
  });

  test('replayParked delivers parked events again from attempt 1; acknowledged, they leave the parked list', async () => {
    const { name, positions: appended } = await consumerWithEvents(1, { maxAttempts: 1 });
    const position = appended[0] as number;
    const sub = consume(name);
    await sub.waitFor(1);
    await nack(name, [position], 'RETRY', 'try later');
    await expect.poll(() => parkedCount(name), { timeout: 5000 }).toBe(1);
    const replay = await api().data(ReplayParkedDocument, { input: { consumer: name } });
    expect(replay.replayParked.__typename).toBe('ConsumerSuccess');
    await sub.waitFor(2, 10_000);
    expect(sub.items[1]?.consume).toMatchObject({ attempt: 1, event: { position } });
    await ack(name, [position]);
    await expect.poll(() => parkedCount(name), { timeout: 5000 }).toBe(0);
  });

  test('resetConsumer delivers again the events after its position', async () => {
    const { name, positions: appended } = await consumerWithEvents(3);
    const sub = consume(name);
    await sub.waitFor(3);
    await ack(name, appended);
    const reset = await api().data(ResetConsumerDocument, {
      input: { consumer: name, after: (appended[0] as number) - 1 },
    });
    expect(reset.resetConsumer.__typename).toBe('ConsumerSuccess');
    await sub.waitFor(6, 10_000);
    expect(positions(sub.items)).toEqual([...appended, ...appended]);
  });

  test('deleteConsumer completes its live subscription', async () => {
    const { name } = await consumerWithEvents(1);
    const sub = consume(name);
    await sub.waitFor(1);
    await api().data(DeleteConsumerDocument, { name });
    await expect(sub.ended).resolves.toBe('complete');
  });
});

describe('over SSE', () => {
  test('consume works over SSE too; the client going away releases the lease at once', async () => {
    const { name, positions: appended } = await consumerWithEvents(2);
    const overSse = clients.sse(api().url, ConsumeDocument, { consumer: name });
    await overSse.waitFor(2);
    expect(positions(overSse.items)).toEqual(appended);
    await ack(name, appended);
    // The SSE client leaves: a graphql-ws consume takes over at once, from the checkpoint.
    overSse.unsubscribe();
    const next = consume(name);
    const [more] = (await appendOk(api(), { name: uniqueName('s') }, [event('Later')])).events;
    await next.waitFor(1, 5000);
    expect(positions(next.items)).toEqual([more?.position]);
  });
});

describe('observability', () => {
  test('/metrics shows the lease held, the events in flight, the lag and the parked events, per consumer', async () => {
    const { name, positions: appended } = await consumerWithEvents(3);
    const sub = consume(name, 2);
    await sub.waitFor(2);
    await nack(name, [appended[0] as number], 'PARK', 'poison');
    const labels = `tenant="default",consumer="${name}"`;
    const scrape = async () => (await fetch(api().metricsUrl)).text();
    await expect
      .poll(scrape, { timeout: 5000 })
      .toContain(`eventloom_consumer_parked_events_total{${labels}} 1`);
    const text = await scrape();
    expect(text).toContain(`eventloom_consumer_lease_held{${labels}} 1`);
    expect(text).toMatch(new RegExp(`eventloom_consumer_in_flight\\{${labels}\\} [12]\\n`));
    expect(text).toMatch(new RegExp(`eventloom_consumer_lag\\{${labels}\\} [1-9]\\d*\\n`));
    sub.unsubscribe();
    await expect.poll(scrape, { timeout: 5000 }).not.toContain(`eventloom_consumer_lease_held{${labels}}`);
  });
});

describe('one receiver at a time', () => {
  test('a second consume waits; when the first ends it takes over from the checkpoint within 2 s', async () => {
    const { name, positions: appended } = await consumerWithEvents(4);
    const first = consume(name, 2);
    await first.waitFor(2);
    const second = consume(name, 2);
    await ack(name, positions(first.items));
    await first.waitFor(4);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(second.items).toEqual([]);
    // The first ends with positions 3 and 4 unacknowledged: the second receives them.
    const ended = Date.now();
    first.unsubscribe();
    await second.waitFor(2, 5000);
    expect(Date.now() - ended).toBeLessThan(2000);
    expect(positions(second.items)).toEqual(appended.slice(2));
  });
});

describe('refusals', () => {
  test('an unknown consumer ends the subscription with CONSUMER_NOT_FOUND; a malformed name with BAD_USER_INPUT', async () => {
    const unknown = consume(uniqueName('nobody'));
    await unknown.ended;
    expect(unknown.errors[0]?.extensions?.code).toBe('CONSUMER_NOT_FOUND');
    const malformed = consume('not a name');
    await malformed.ended;
    expect(malformed.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a webhook consumer cannot be consumed', async () => {
    const name = uniqueName('hooked');
    await api().data(CreateConsumerDocument, {
      input: { name, webhook: { url: 'https://93.184.216.34/hook', secret: 'x' } },
    });
    const sub = consume(name);
    await sub.ended;
    expect(sub.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a nack reason over 1000 characters is InvalidInputError, and nothing is parked', async () => {
    const { name, positions: appended } = await consumerWithEvents(1);
    const sub = consume(name);
    await sub.waitFor(1);
    const result = await nack(name, appended, 'PARK', 'x'.repeat(1001));
    expect(result.nackEvents).toMatchObject({ __typename: 'InvalidInputError', path: ['input', 'reason'] });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await parkedCount(name)).toBe(0);
  });

  test('acks and nacks of unknown consumers and malformed names are typed refusals', async () => {
    expect((await ack(uniqueName('nobody'), [1])).ackEvents.__typename).toBe('ConsumerNotFoundError');
    expect((await ack('bad name', [1])).ackEvents).toMatchObject({
      __typename: 'InvalidInputError',
      path: ['input', 'consumer'],
    });
    expect((await nack(uniqueName('nobody'), [1], 'RETRY')).nackEvents.__typename).toBe(
      'ConsumerNotFoundError',
    );
  });

  test('maxInFlight outside 1..1000 is refused', async () => {
    const { name } = await consumerWithEvents(0);
    const sub = consume(name, 1001);
    await sub.ended;
    expect(sub.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
