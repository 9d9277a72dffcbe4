// The webhook relay of one gateway on DynamoDB Local, against real HTTP receivers on 127.0.0.1:
// batches in position order, signed, with a delivery id kept across retries; backoff; parking
// after maxAttempts and going on; replays; a deleted consumer; a refused address.
import { afterEach, describe, expect, test } from 'vitest';
import type { WebhookConfig } from '../../src/config/webhooks.js';
import type { CreateConsumerRequest } from '../../src/store/index.js';
import { uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { until } from '../support/until.js';
import {
  appendEvents,
  loopbackAllowed,
  type Receiver,
  type RelayGateway,
  readUntil,
  relayGateway,
  secret,
  sleep,
  startReceiver,
} from './relay-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Setup {
  gateway: RelayGateway;
  receiver: Receiver;
  tenant: string;
  name: string;
}

/** A gateway on a table of its own (the registry is table-wide), a receiver and a webhook consumer. */
async function setup(
  consumer: Partial<CreateConsumerRequest> & { batchSize?: number; url?: string } = {},
  options: { settings?: WebhookConfig; answer?: Parameters<typeof startReceiver>[0] } = {},
): Promise<Setup> {
  const gateway = await relayGateway(uniquePrefix('relay'), options.settings ?? loopbackAllowed);
  const receiver = await startReceiver(options.answer);
  cleanups.push(receiver.close, gateway.close);
  const tenant = uniqueTenant('relay');
  const name = 'orders-hook';
  const { batchSize = 1, url = receiver.url, ...request } = consumer;
  await gateway.consumers.forTenant(tenant).create({
    name,
    filter: null,
    after: 0,
    maxAttempts: 5,
    ackTimeoutMs: 1_000,
    webhook: { url, secret, batchSize },
    ...request,
  });
  return { gateway, receiver, tenant, name };
}

async function checkpointOf({ gateway, tenant, name }: Setup): Promise<number | undefined> {
  return (await gateway.consumers.forTenant(tenant).get(name))?.checkpoint;
}

describe('WebhookRelay', () => {
  test('POSTs batches of up to batchSize in position order, signed, one delivery id per batch; the checkpoint is saved', async () => {
    const t = await setup({ batchSize: 3 });
    await appendEvents(t.gateway.store, t.tenant, 7);
    t.gateway.relay.start();
    await until(() => t.receiver.positions().length >= 7, 'the first 7 events');
    // Live events too, after the relay caught up.
    await appendEvents(t.gateway.store, t.tenant, 2, 8);
    await until(() => t.receiver.positions().length >= 9, 'the live events');

    const { requests } = t.receiver;
    expect(t.receiver.positions()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(requests.slice(0, 3).map((r) => r.body.events.length)).toEqual([3, 3, 1]);
    for (const request of requests) {
      expect(request.body.events.length).toBeLessThanOrEqual(3);
      expect(request.body.consumer).toBe(t.name);
      expect(request.signed).toBe(true);
      expect(request.contentType).toBe('application/json');
      expect(request.deliveryId).toMatch(uuid);
      expect(request.body.events.map((event) => event.attempt)).toEqual(request.body.events.map(() => 1));
    }
    expect(new Set(requests.map((r) => r.deliveryId)).size).toBe(requests.length);
    expect(requests[0]?.body.events[0]).toMatchObject({
      type: 'Placed',
      data: { n: 1 },
      position: 1,
      version: 1,
      stream: { name: 'orders-1', category: 'orders' },
    });

    await until(() => t.gateway.outcomes.length === requests.length, 'every outcome');
    expect(t.gateway.outcomes.every((o) => o.outcome === 'ok' && o.tenant === t.tenant)).toBe(true);
    expect(t.gateway.outcomes.reduce((sum, o) => sum + o.events, 0)).toBe(9);
    // Saved at most once a second while it moves.
    expect(
      await readUntil(
        () => checkpointOf(t),
        (at) => at === 9,
        'the checkpoint at 9',
      ),
    ).toBe(9);
    expect(t.gateway.errors).toEqual([]);
  });

  test('a receiver failing twice then answering 200: the same delivery id three times, attempts 1, 2, 3, waits growing', async () => {
    const t = await setup(
      {},
      { settings: { ...loopbackAllowed, retryBaseMs: 50 }, answer: (_r, i) => (i < 2 ? 500 : 200) },
    );
    await appendEvents(t.gateway.store, t.tenant, 1);
    t.gateway.relay.start();
    await until(() => t.receiver.requests.length >= 3, 'three attempts');
    await until(() => t.gateway.outcomes.length >= 3, 'three outcomes');

    const [first, second, third] = t.receiver.requests;
    expect([first, second, third].map((r) => r?.deliveryId)).toEqual(Array(3).fill(first?.deliveryId));
    expect([first, second, third].map((r) => r?.body.events.map((e) => [e.position, e.attempt]))).toEqual([
      [[1, 1]],
      [[1, 2]],
      [[1, 3]],
    ]);
    // webhookRetryDelay: 25 to 50 ms after the first failure, 50 to 100 ms after the second.
    const waits = [second!.at - first!.at, third!.at - second!.at];
    expect(waits[0]).toBeGreaterThanOrEqual(25);
    expect(waits[1]).toBeGreaterThanOrEqual(50);
    expect(t.gateway.outcomes.map((o) => o.outcome)).toEqual(['failed', 'failed', 'ok']);
    expect(
      await readUntil(
        () => checkpointOf(t),
        (at) => at === 1,
        'the checkpoint at 1',
      ),
    ).toBe(1);
    await sleep(500);
    expect(t.receiver.requests).toHaveLength(3);
  });

  test('a batch failing maxAttempts times is parked with "HTTP 500" and the next batch goes; replayParked delivers it again', async () => {
    let failing = true;
    const answer = (request: { body: { events: Array<{ position: number }> } }) =>
      failing && request.body.events.some((event) => event.position <= 2) ? 500 : 200;
    const t = await setup({ batchSize: 2, maxAttempts: 2 }, { answer });
    await appendEvents(t.gateway.store, t.tenant, 3);
    t.gateway.relay.start();
    await until(() => t.receiver.positions().includes(3), 'the next batch');

    expect(t.receiver.requests.map((r) => r.body.events.map((e) => [e.position, e.attempt]))).toEqual([
      [
        [1, 1],
        [2, 1],
      ],
      [
        [1, 2],
        [2, 2],
      ],
      [[3, 1]],
    ]);
    const tenantConsumers = t.gateway.consumers.forTenant(t.tenant);
    await until(() => t.gateway.outcomes.length >= 3, 'the outcomes');
    expect(t.gateway.outcomes.map((o) => [o.outcome, o.events])).toEqual([
      ['failed', 2],
      ['parked', 2],
      ['ok', 1],
    ]);
    const parked = await readUntil(
      () => tenantConsumers.listParked(t.name),
      (page) => page.edges.length === 2,
      'two parked events',
    );
    expect(parked.edges.map(({ node }) => [node.position, node.attempts, node.reason])).toEqual([
      [1, 2, 'HTTP 500'],
      [2, 2, 'HTTP 500'],
    ]);
    expect(
      await readUntil(
        () => checkpointOf(t),
        (at) => at === 3,
        'the checkpoint past the parked events',
      ),
    ).toBe(3);

    failing = false;
    await tenantConsumers.replayParked(t.name, null);
    await until(() => t.receiver.requests.length >= 4, 'the replay');
    const replay = t.receiver.requests[3]!;
    expect(replay.body.events.map((e) => [e.position, e.attempt])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(replay.deliveryId).not.toBe(t.receiver.requests[0]?.deliveryId);
    // Acknowledged replays lose their parked records.
    await readUntil(
      () => tenantConsumers.replayingPositions(t.name),
      (left) => left.length === 0,
      'replays finished',
    );
    expect((await tenantConsumers.listParked(t.name)).edges).toEqual([]);
    expect(await checkpointOf(t)).toBe(3);
    expect(t.gateway.errors).toEqual([]);
  });

  test('stop() while a request waits for its answer: aborted at once, the checkpoint saved, the lease released', async () => {
    const t = await setup({}, { answer: (request) => (request.body.events[0]?.position === 2 ? null : 200) });
    await appendEvents(t.gateway.store, t.tenant, 2);
    t.gateway.relay.start();
    await until(() => t.receiver.positions().includes(2), 'the second request');
    const stoppedAt = Date.now();
    await t.gateway.relay.stop();
    // The sender's own deadline is 10 s: stop() did not wait for it.
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(await t.gateway.consumers.forTenant(t.tenant).get(t.name)).toMatchObject({
      checkpoint: 1,
      lease: null,
    });
    expect(t.gateway.relay.stats).toEqual({ workers: 0, delivering: 0 });
    expect(t.gateway.outcomes.map((o) => o.outcome)).toEqual(['ok']);
    expect(t.gateway.errors).toEqual([]);
  });

  test('a deleted consumer: its worker ends, retries stop, and it is not started again', async () => {
    const t = await setup({ maxAttempts: 100 }, { answer: () => 503 });
    await appendEvents(t.gateway.store, t.tenant, 1);
    t.gateway.relay.start();
    await until(() => t.receiver.requests.length >= 3, 'some failed attempts');
    expect(t.gateway.relay.stats).toEqual({ workers: 1, delivering: 1 });

    expect(await t.gateway.consumers.forTenant(t.tenant).delete(t.name)).toBe(true);
    const deletedAt = Date.now();
    await until(() => t.gateway.relay.stats.workers === 0, 'the worker to end', 5_000);
    const endedAfterMs = Date.now() - deletedAt;
    const sent = t.receiver.requests.length;
    await appendEvents(t.gateway.store, t.tenant, 2, 2);
    // Longer than a registry scan (2 s): nothing starts again, nothing is sent.
    await sleep(2_500);
    expect(t.receiver.requests).toHaveLength(sent);
    expect(t.gateway.relay.stats).toEqual({ workers: 0, delivering: 0 });
    // It notices at its next renewal (every 2 s).
    expect(endedAfterMs).toBeLessThan(3_000);
    expect(t.gateway.errors).toEqual([]);
  });

  test('a URL resolving to a refused address (host not listed on this gateway): "address not allowed", parked after maxAttempts, nothing sent', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const t = await setup(
      { maxAttempts: 2, url: `http://localhost:${receiver.port}/hook` },
      { settings: { retryBaseMs: 20, allowedHosts: [] } },
    );
    await appendEvents(t.gateway.store, t.tenant, 2);
    t.gateway.relay.start();
    await until(() => t.gateway.outcomes.filter((o) => o.outcome === 'parked').length === 2, 'both parked');
    expect(t.gateway.outcomes.map((o) => o.outcome)).toEqual(['failed', 'parked', 'failed', 'parked']);
    const parked = await readUntil(
      () => t.gateway.consumers.forTenant(t.tenant).listParked(t.name),
      (page) => page.edges.length === 2,
      'two parked events',
    );
    expect(parked.edges.map(({ node }) => [node.position, node.attempts, node.reason])).toEqual([
      [1, 2, 'address not allowed'],
      [2, 2, 'address not allowed'],
    ]);
    expect(receiver.requests).toEqual([]);
    expect(t.receiver.requests).toEqual([]);
    expect(
      await readUntil(
        () => checkpointOf(t),
        (at) => at === 2,
        'the checkpoint at 2',
      ),
    ).toBe(2);
    expect(t.gateway.errors).toEqual([]);
  });
});
