// Attacks on durable consumers: races between every pair of writers of a consumer (a holder's
// parked records and checkpoint, resetConsumer, replayParked, deleteConsumer and a re-creation,
// a takeover), positions that become visible late, filters, deleted streams, ack timeouts and
// skewed clocks. Each test states its attack, lets it run on DynamoDB Local through real
// sessions and hubs (in-process gateways sharing one table), and checks the whole history
// against the consumers part's promise: every selected event at or before the saved checkpoint
// is acknowledged or parked; a holder that lost its lease changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CreateConsumerRequest, TenantConsumerStore } from '../../src/store/index.js';
import { allParked } from '../store/consumers/consumer-fixtures.js';
import { uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import {
  type Answer,
  type Delivered,
  eventually,
  type Gateway,
  Reader,
  startGateway,
} from './attack-gateway.js';

let a: Gateway;
let b: Gateway;

beforeAll(async () => {
  const prefix = uniquePrefix('attack');
  a = await startGateway(prefix);
  b = await startGateway(prefix);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
});

function request(name: string, overrides: Partial<CreateConsumerRequest> = {}): CreateConsumerRequest {
  return { name, filter: null, after: 0, maxAttempts: 5, ackTimeoutMs: 30_000, webhook: null, ...overrides };
}

/** Appends `count` events to one stream through `gateway`; their positions. */
async function append(
  gateway: Gateway,
  tenant: string,
  stream: string,
  count: number,
  category = 'orders',
): Promise<number[]> {
  const result = await gateway.store.forTenant(tenant).append({
    stream: { name: stream, category },
    events: Array.from({ length: count }, (_, index) => ({ type: 'Placed', data: { index } })),
  });
  return result.events.map((event) => event.position);
}

function checkpointOf(consumers: TenantConsumerStore, name: string, wanted: number, what: string) {
  return eventually(
    () => consumers.get(name),
    (consumer) => consumer?.checkpoint === wanted,
    `${what}: checkpoint ${wanted}`,
  );
}

/**
 * The central promise, on the consumer as stored now: every selected position at or before its
 * checkpoint was acknowledged by a client or is parked (listed).
 */
async function expectPromiseKept(
  consumers: TenantConsumerStore,
  name: string,
  selected: readonly number[],
  acked: ReadonlySet<number>,
): Promise<void> {
  const consumer = await consumers.get(name);
  const parked = new Set(await allParked(consumers, name));
  const broken = selected.filter(
    (position) => position <= (consumer?.checkpoint ?? 0) && !acked.has(position) && !parked.has(position),
  );
  expect(broken, 'selected events behind the checkpoint, neither acknowledged nor parked').toEqual([]);
}

const parkOnly =
  (...positions: number[]) =>
  (delivery: Delivered): Answer =>
    positions.includes(delivery.position) ? 'PARK' : 'ack';

describe('deleteConsumer and a re-creation under the same name', () => {
  test('the deletion removes the old parked records after the new consumer parked the same position: the new record stays', async () => {
    // Attack: consumer "c" parks position 3 and is deleted; its deletion is slow to remove the
    // parked records (it read them, its BatchWriteItem is held). Meanwhile "c" is created
    // again, hits the same poison event, parks it and saves its checkpoint past it. Then the
    // old deletion's removal goes through.
    const tenant = uniqueTenant('recreate');
    const consumers = a.consumers.forTenant(tenant);
    const selected = await append(a, tenant, 'orders-1', 5);
    await consumers.create(request('c'));
    const first = new Reader('first', a, tenant, 'c', parkOnly(3));
    await checkpointOf(consumers, 'c', 5, 'the first consumer');
    await first.stop();
    expect(await allParked(consumers, 'c')).toEqual([3]);

    const slowCleanup = a.valve.hold((command) => command === 'BatchWriteItem' || command === 'DeleteItem');
    const deletion = consumers.delete('c');
    await slowCleanup.reached;
    await consumers.create(request('c'));
    const second = new Reader('second', a, tenant, 'c', parkOnly(3));
    await checkpointOf(consumers, 'c', 5, 'the new consumer');
    await second.stop();
    slowCleanup.release();
    expect(await deletion).toBe(true);

    expect(second.positions()).toEqual([1, 2, 3, 4, 5]);
    expect([...second.parkedByMe]).toEqual([3]);
    // The new consumer's checkpoint passed 3 because 3 was parked: its record must outlive the
    // old consumer's deletion.
    expect(await allParked(consumers, 'c')).toEqual([3]);
    await expectPromiseKept(consumers, 'c', selected, second.acked);
  });
});
