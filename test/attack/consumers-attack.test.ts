// Attacks on durable consumers: races between every pair of writers of a consumer (a holder's
// parked records and checkpoint, resetConsumer, replayParked, deleteConsumer and a re-creation,
// a takeover), positions that become visible late, filters, deleted streams, ack timeouts and
// skewed clocks. Each test states its attack, lets it run on DynamoDB Local through real
// sessions and hubs (in-process gateways sharing one table), and checks the whole history
// against the consumers part's promise: every selected event at or before the saved checkpoint
// is acknowledged or parked; a holder that lost its lease changes nothing.
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type CreateConsumerRequest,
  eventsTableName,
  type TenantConsumerStore,
} from '../../src/store/index.js';
import { logPk, positionSk } from '../../src/store/keys.js';
import { allParked } from '../store/consumers/consumer-fixtures.js';
import { testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import {
  type Answer,
  type Delivered,
  eventually,
  fastTiming,
  type Gateway,
  Reader,
  skewedClock,
  sleep,
  startGateway,
  Watcher,
} from './attack-gateway.js';

let a: Gateway;
let b: Gateway;
/** A client of no gateway, for the items a test touches directly. */
let raw: DynamoDBClient;
let table: string;

beforeAll(async () => {
  const prefix = uniquePrefix('attack');
  a = await startGateway(prefix);
  b = await startGateway(prefix);
  raw = testClient();
  table = eventsTableName(prefix);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  raw?.destroy();
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

/** A holder's renewal (lease.ts): an UpdateItem that sets only the expiry. */
const isRenewal = (command: string, input: Record<string, unknown>) =>
  command === 'UpdateItem' && input.UpdateExpression === 'SET #leaseExpiresAt = :expiresAt';

/** An acquisition (lease.ts): an UpdateItem that sets the owner. */
const isAcquisition = (command: string, input: Record<string, unknown>) =>
  command === 'UpdateItem' && String(input.UpdateExpression).startsWith('SET #leaseOwner = :owner');

/** A holder's saveCheckpoint (lease.ts): an UpdateItem that sets only the checkpoint. */
const isCheckpointWrite = (command: string, input: Record<string, unknown>) =>
  command === 'UpdateItem' && input.UpdateExpression === 'SET #checkpoint = :checkpoint';

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

describe('resetConsumer racing the holder', () => {
  test('resets back and forward while the holder acknowledges and saves: no checkpoint of an older generation lands after a reset', async () => {
    // Attack: the holder's ledger checkpoint jumps (a burst of acks) and its checkpoint write,
    // computed for the old generation, is held on the wire until resetConsumer (another
    // gateway) has moved the stored checkpoint, back and then forward. Any stored checkpoint
    // after a reset must be the reset's, or come from events delivered again after it.
    const tenant = uniqueTenant('reset');
    const consumers = a.consumers.forTenant(tenant);
    const selected = [
      ...(await append(a, tenant, 'orders-1', 30)),
      ...(await append(a, tenant, 'orders-2', 30)),
    ];
    await consumers.create(request('c'));
    let ackUpTo = 20;
    const reader = new Reader(
      'r',
      a,
      tenant,
      'c',
      (delivery) => (delivery.position <= ackUpTo ? 'ack' : 'hold'),
      {
        maxInFlight: 5,
      },
    );
    const watcher = new Watcher(a.consumers, tenant, 'c', 10);
    await checkpointOf(consumers, 'c', 20, 'before the first reset');
    await eventually(
      () => reader.positions(),
      (seen) => seen.includes(25),
      '21..25 in flight',
    );

    // The holder's checkpoint write (25, old generation) is on its way when the reset lands.
    let write = a.valve.hold(isCheckpointWrite);
    reader.ack([21, 22, 23, 24, 25]);
    await write.reached;
    const back = await b.consumers.forTenant(tenant).reset('c', 10);
    const backAt = Date.now();
    write.release();
    expect(back?.checkpoint).toBe(10);
    ackUpTo = 45;
    await checkpointOf(consumers, 'c', 45, 'after the reset back');
    await eventually(
      () => reader.deliveredSince(backAt),
      (seen) => seen.includes(50),
      '46..50 in flight',
    );

    write = a.valve.hold(isCheckpointWrite);
    reader.ack([46, 47, 48, 49, 50]);
    await write.reached;
    const forward = await b.consumers.forTenant(tenant).reset('c', 55);
    const forwardAt = Date.now();
    write.release();
    expect(forward?.checkpoint).toBe(55);
    ackUpTo = 60;
    await checkpointOf(consumers, 'c', 60, 'after the reset forward');
    await reader.stop();
    const samples = await watcher.stop();

    const stale = (since: number, from: number) =>
      samples.flatMap((sample) => {
        const checkpoint = sample.consumer?.checkpoint ?? 0;
        if (sample.at < since) return [];
        if (checkpoint < from) return [`${checkpoint} below ${from}`];
        const redelivered = new Set(reader.deliveredSince(since));
        const missing = selected.filter((p) => p > from && p <= checkpoint && !redelivered.has(p));
        return missing.length > 0 ? [`${checkpoint} passes ${missing.join(',')} not delivered since`] : [];
      });
    expect(stale(backAt, 10), 'after the reset back').toEqual([]);
    expect(stale(forwardAt, 55), 'after the reset forward').toEqual([]);
    // 51..55 were skipped by the forward reset, as asked.
    await expectPromiseKept(consumers, 'c', selected, new Set([...reader.acked, 51, 52, 53, 54, 55]));
  });
});

describe('replayParked, parked events and the source', () => {
  test('a replayed event the source reaches again after a reset back: delivered, its record removed; the other parked event stays parked wherever the reset lies', async () => {
    // Attack: 4 and 7 are parked; 4 is replayed and the checkpoint reset to 2 in one breath, so
    // the holder loads a replay of 4 while its source, from 2, reaches 4 as well; 7 lies after
    // the new checkpoint and must stay parked (not delivered again), as the contract says.
    const tenant = uniqueTenant('replay');
    const consumers = a.consumers.forTenant(tenant);
    const selected = await append(a, tenant, 'orders-1', 10);
    await consumers.create(request('c'));
    let parking = true;
    const reader = new Reader('r', a, tenant, 'c', (delivery) =>
      parking && (delivery.position === 4 || delivery.position === 7) ? 'PARK' : 'ack',
    );
    await checkpointOf(consumers, 'c', 10, 'first pass');
    expect(await allParked(consumers, 'c')).toEqual([4, 7]);

    parking = false;
    const since = Date.now();
    await consumers.replayParked('c', [4]);
    await consumers.reset('c', 2);
    await eventually(
      async () => ({
        checkpoint: (await consumers.get('c'))?.checkpoint,
        parked: await allParked(consumers, 'c'),
        replaying: await consumers.replayingPositions('c'),
      }),
      (state) => state.checkpoint === 10 && state.replaying.length === 0,
      'the replay finished and the checkpoint back at 10',
    );
    await reader.stop();

    const again = reader.deliveredSince(since);
    expect(new Set(again)).toEqual(new Set([3, 4, 5, 6, 8, 9, 10]));
    expect(reader.deliveries.find((d) => d.at >= since && d.position === 4)?.attempt).toBe(1);
    expect(await allParked(consumers, 'c')).toEqual([7]);
    await expectPromiseKept(consumers, 'c', selected, reader.acked);
  });

  test('replayed events: one parked again keeps its record, one acknowledged loses it, and the checkpoint stays', async () => {
    // Attack: park vs finishReplay. Both replayed events are settled in one ledger, and the
    // holder writes the new parked record and the finished replay in one round: the record of
    // the event parked again must survive the removal of finished replays.
    const tenant = uniqueTenant('repark');
    const consumers = a.consumers.forTenant(tenant);
    const selected = await append(a, tenant, 'orders-1', 6);
    await consumers.create(request('c'));
    let round = 1;
    const reader = new Reader('r', a, tenant, 'c', (delivery) => {
      if (round === 1) return delivery.position === 2 || delivery.position === 5 ? 'PARK' : 'ack';
      return delivery.position === 2 ? 'PARK' : 'ack';
    });
    await checkpointOf(consumers, 'c', 6, 'first pass');
    expect(await allParked(consumers, 'c')).toEqual([2, 5]);
    round = 2;
    const since = Date.now();
    await consumers.replayParked('c', null);
    await eventually(
      () => consumers.replayingPositions('c'),
      (replaying) => replaying.length === 0,
      'replay done',
    );
    await reader.stop();
    expect(reader.deliveredSince(since).sort()).toEqual([2, 5]);
    expect(await allParked(consumers, 'c')).toEqual([2]);
    expect((await consumers.get('c'))?.checkpoint).toBe(6);
    await expectPromiseKept(consumers, 'c', selected, reader.acked);
  });

  test('a parked event whose stream is deleted, then replayed: nothing is delivered and its record goes', async () => {
    const tenant = uniqueTenant('gone');
    const consumers = a.consumers.forTenant(tenant);
    const doomed = await append(a, tenant, 'doomed', 2);
    const kept = await append(a, tenant, 'kept', 1);
    await consumers.create(request('c'));
    const reader = new Reader('r', a, tenant, 'c', parkOnly(2));
    await checkpointOf(consumers, 'c', 3, 'first pass');
    expect(await allParked(consumers, 'c')).toEqual([2]);

    await b.store.forTenant(tenant).deleteStream({ name: 'doomed', category: 'orders' });
    const since = Date.now();
    await consumers.replayParked('c', [2]);
    await eventually(
      () => consumers.replayingPositions('c'),
      (replaying) => replaying.length === 0,
      'replay done',
    );
    await reader.stop();
    expect(reader.deliveredSince(since)).toEqual([]);
    expect(await allParked(consumers, 'c')).toEqual([]);
    await expectPromiseKept(consumers, 'c', [...doomed.slice(0, 1), ...kept], reader.acked);
  });
});

describe('what the hub hands the holder', () => {
  test('a position committed but not yet readable (its log item appears late): the checkpoint stops before it; it is delivered once it appears', async () => {
    // Attack: position 2 (appended by gateway b) is counted but its log item is not readable yet
    // (a commit seen out of order); 1 and 3 are. The holder on gateway a must not let its
    // checkpoint pass 2. Later appends come from gateway b, whose commits a's poller is not told of.
    const tenant = uniqueTenant('late');
    const consumers = a.consumers.forTenant(tenant);
    await consumers.create(request('c'));
    await append(a, tenant, 's1', 1);
    await append(b, tenant, 's2', 1);
    await append(a, tenant, 's3', 1);
    const key = { pk: { S: logPk(tenant) }, sk: { S: positionSk(2) } };
    const hidden = await raw.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    expect(hidden.Item).toBeDefined();
    await raw.send(new DeleteItemCommand({ TableName: table, Key: key }));

    const reader = new Reader('r', a, tenant, 'c', () => 'ack');
    const watcher = new Watcher(a.consumers, tenant, 'c', 10);
    await eventually(
      () => reader.positions(),
      (seen) => seen.length >= 1,
      'position 1',
    );
    await sleep(600);
    expect(reader.positions()).toEqual([1]);
    const whileHidden = [...watcher.checkpoints()];
    await raw.send(new PutItemCommand({ TableName: table, Item: hidden.Item! }));
    await append(b, tenant, 's4', 2);
    await checkpointOf(consumers, 'c', 5, 'once 2 is readable');
    await reader.stop();
    await watcher.stop();
    expect(Math.max(...whileHidden)).toBe(1);
    expect(reader.positions()).toEqual([1, 2, 3, 4, 5]);
  });

  test('a filtered consumer fed by two gateways: only selected events, and the checkpoint never passes one not acknowledged', async () => {
    // Attack: selected and filtered-out events interleave, appended through both gateways (the
    // holder's poller hears only its own gateway's commits); the first selected event stays
    // unacknowledged while everything after it is acknowledged: batch checkpoints cover
    // filtered-out positions, but the saved checkpoint must stay before the held event.
    const tenant = uniqueTenant('filter');
    const consumers = a.consumers.forTenant(tenant);
    await consumers.create(
      request('c', { filter: { categories: ['orders'], types: null, streamIds: null } }),
    );
    let held: number | undefined;
    const reader = new Reader('r', a, tenant, 'c', (delivery) => {
      held ??= delivery.position;
      return delivery.position === held ? 'hold' : 'ack';
    });
    const watcher = new Watcher(a.consumers, tenant, 'c', 10);
    const selected: number[] = [];
    for (let round = 0; round < 8; round++) {
      const through = round % 2 === 0 ? b : a;
      await append(through, tenant, `audit-${round}`, 1 + (round % 2), 'audit');
      selected.push(...(await append(through, tenant, `orders-${round}`, 1 + (round % 3))));
    }
    await eventually(
      () => reader.positions().length,
      (count) => count === selected.length,
      'every selected event',
    );
    await sleep(300);
    const whileHeld = [...watcher.checkpoints()];
    reader.ack([held!]);
    await eventually(
      () => consumers.get('c'),
      (consumer) => (consumer?.checkpoint ?? 0) >= selected.at(-1)!,
      'the checkpoint past the last selected event',
    );
    await reader.stop();
    await watcher.stop();
    expect(reader.positions()).toEqual(selected);
    expect(held).toBe(selected[0]);
    expect(Math.max(...whileHeld)).toBeLessThan(held!);
    await expectPromiseKept(consumers, 'c', selected, reader.acked);
  });

  test('a stream deleted while its events wait to be delivered: the next holder skips them, and its checkpoint passes them', async () => {
    const tenant = uniqueTenant('deleted');
    const consumers = a.consumers.forTenant(tenant);
    await append(a, tenant, 'doomed', 4);
    const kept = await append(a, tenant, 'kept', 2);
    await consumers.create(request('c'));
    const first = new Reader('first', a, tenant, 'c', () => 'hold', { maxInFlight: 1 });
    await eventually(
      () => first.positions(),
      (seen) => seen.length === 1,
      'the first event in flight',
    );
    await b.store.forTenant(tenant).deleteStream({ name: 'doomed', category: 'orders' });
    await first.stop();
    const second = new Reader('second', a, tenant, 'c', () => 'ack');
    await checkpointOf(consumers, 'c', 6, 'the next holder');
    await second.stop();
    expect(first.positions()).toEqual([1]);
    expect(second.positions()).toEqual(kept);
  });
});

describe('a holder that lost its lease', () => {
  test('cut off with its parked record and checkpoint on the wire: the next holder takes over, and the late writes land nowhere', async () => {
    // Attack: holder A (gateway a) parks 2 and acknowledges the rest; its writes are held on
    // the wire (a partition), so it cannot renew either. Its lease expires, B (gateway b) takes
    // over from the stored checkpoint. Then the partition heals and A's writes reach DynamoDB.
    const tenant = uniqueTenant('partition');
    const consumers = b.consumers.forTenant(tenant);
    const selected = await append(a, tenant, 'orders-1', 5);
    await consumers.create(request('c'));
    const holderA = new Reader('A', a, tenant, 'c', () => 'hold');
    await eventually(
      () => holderA.positions().length,
      (count) => count === 5,
      'A has all five in flight',
    );
    const parkWrite = a.valve.hold((command) => command === 'TransactWriteItems');
    const renewAndCheckpoint = a.valve.hold((command) => command === 'UpdateItem');
    holderA.park([2]);
    holderA.ack([1, 3, 4, 5]);
    await parkWrite.reached;

    const holderB = new Reader('B', b, tenant, 'c', () => 'ack');
    await checkpointOf(consumers, 'c', 5, 'B after the takeover');
    parkWrite.release();
    renewAndCheckpoint.release();
    await eventually(
      () => holderA.session.state,
      (state) => state !== 'delivering',
      'A knows it lost the lease',
    );
    await holderB.stop();
    await holderA.stop();

    expect(holderB.positions()).toEqual(selected);
    expect(await allParked(consumers, 'c')).toEqual([]);
    expect((await consumers.get('c'))?.checkpoint).toBe(5);
    await expectPromiseKept(consumers, 'c', selected, holderB.acked);
  });

  test('gateways whose clocks are 40 s apart: one holder at a time; the other takes over only once the lease is released, or left unrenewed for a whole lease period', async () => {
    // Attack: a lease's expiry is written on its holder's clock. A's clock is 20 s behind and
    // B's 20 s ahead, so B reads A's live lease as expired long ago. It was taken while A still
    // delivered (two holders at once) when takeover compared clocks; now a waiter takes a held
    // lease only once it saw it unchanged (not renewed) for a whole lease period on its own clock,
    // by compare-and-swap on the lease as read.
    const tenant = uniqueTenant('skew');
    const consumers = b.consumers.forTenant(tenant);
    const selected = await append(a, tenant, 'orders-1', 6);
    await consumers.create(request('c'));
    const slow = new Reader('A', a, tenant, 'c', () => 'hold', { clock: skewedClock(-20_000) });
    await eventually(
      () => slow.positions().length,
      (count) => count === 6,
      'A has all six in flight',
    );
    const fast = new Reader('B', b, tenant, 'c', () => 'ack', { clock: skewedClock(20_000) });
    // Three lease periods of A renewing: B reads, waits, and takes nothing.
    await sleep(3 * fastTiming.leaseTtlMs);
    expect(fast.positions()).toEqual([]);
    expect(slow.session.state).toBe('delivering');
    slow.ack(selected);
    await checkpointOf(consumers, 'c', 6, 'A');
    await slow.stop();
    // Released: B takes over at once and goes on from the checkpoint.
    const more = await append(a, tenant, 'orders-1', 1);
    await eventually(
      () => fast.positions().length,
      (count) => count === 1,
      'B delivers after A released',
    );
    expect(fast.positions()).toEqual(more);
    await fast.stop();
    expect(slow.deliveries.map((d) => [d.position, d.attempt])).toEqual(selected.map((p) => [p, 1]));
    expect(await allParked(consumers, 'c')).toEqual([]);
  });

  test('deleted and created again while its holder delivers: the old holder ends, writes nothing on the new consumer, which starts at its own position', async () => {
    const tenant = uniqueTenant('recreate-live');
    const consumers = b.consumers.forTenant(tenant);
    const selected = await append(a, tenant, 'orders-1', 4);
    await consumers.create(request('c'));
    const old = new Reader('old', a, tenant, 'c', () => 'hold');
    await eventually(
      () => old.positions().length,
      (count) => count === 4,
      'all four in flight',
    );
    expect(await consumers.delete('c')).toBe(true);
    const created = await consumers.create(request('c', { after: 2 }));
    old.park([1]);
    old.ack([2, 3, 4]);
    await eventually(
      () => old.session.state,
      (state) => state === 'ended',
      'the old session ends',
    );
    await old.stop();
    const now = await consumers.get('c');
    expect(now?.incarnation).toBe(created.incarnation);
    expect(now?.checkpoint).toBe(2);
    expect(await allParked(consumers, 'c')).toEqual([]);

    const fresh = new Reader('new', b, tenant, 'c', () => 'ack');
    await checkpointOf(consumers, 'c', 4, 'the new consumer');
    await fresh.stop();
    expect(fresh.positions()).toEqual([3, 4]);
    await expectPromiseKept(consumers, 'c', selected.slice(2), fresh.acked);
  });
});

describe('ack timeouts', () => {
  test('an event timed out on its last attempt is parked; its ack arriving then is ignored and it stays parked', async () => {
    // Attack: with the shortest ack timeout, maxAttempts 2 and maxInFlight 1, the client answers
    // event 1 only after its last attempt timed out (it is parked by then): the late ack must
    // neither unpark it nor disturb the checkpoint, and 2 follows.
    const tenant = uniqueTenant('timeout');
    const consumers = a.consumers.forTenant(tenant);
    await append(a, tenant, 'orders-1', 2);
    await consumers.create(request('c', { ackTimeoutMs: 1_000, maxAttempts: 2 }));
    const reader = new Reader('r', a, tenant, 'c', (d) => (d.position === 1 ? 'hold' : 'ack'), {
      maxInFlight: 1,
    });
    await eventually(
      () => allParked(consumers, 'c'),
      (parked) => parked.length === 1,
      '1 parked',
      6_000,
    );
    reader.ack([1]);
    await checkpointOf(consumers, 'c', 2, 'both done');
    await reader.stop();
    expect(reader.deliveries.map((d) => [d.position, d.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    const parked = await consumers.listParked('c');
    expect(parked.edges.map((edge) => edge.node)).toMatchObject([
      { position: 1, attempts: 2, reason: 'ack timeout' },
    ]);
  });
});

describe('one holder at a time, when DynamoDB calls are slow', () => {
  test('a renewal that hangs past the expiry and then fails: the holder delivers nothing more once another holds the lease', async () => {
    // Attack: A's renewal hangs (a stalled connection, SDK retries under throttling) longer
    // than the lease's time to live, then fails. B takes the expired lease meanwhile and
    // delivers. A must judge its lease by the time the renewal came back, not when it was sent.
    const tenant = uniqueTenant('slow-renew');
    const consumers = b.consumers.forTenant(tenant);
    await consumers.create(request('c'));
    await append(a, tenant, 'orders-1', 2);
    const holderA = new Reader('A', a, tenant, 'c', () => 'ack');
    await checkpointOf(consumers, 'c', 2, 'A');
    const renewal = a.valve.hold(isRenewal, () => new Error('socket hang up'));
    await renewal.reached;
    const holderB = new Reader('B', b, tenant, 'c', () => 'ack');
    await append(a, tenant, 'orders-2', 1);
    await eventually(
      () => holderB.positions(),
      (seen) => seen.includes(3),
      'B took over and delivered 3',
    );
    const bFirst = holderB.deliveries[0]!.at;
    renewal.release();
    await sleep(400);
    await holderA.stop();
    await holderB.stop();
    const overlapping = holderA.deliveries.filter((d) => d.at >= bFirst).map((d) => d.position);
    expect(overlapping, 'delivered by A while B held the lease').toEqual([]);
  });

  test('an acquisition granted only after its lease would have expired: the new holder renews before it delivers', async () => {
    // Attack: B's acquisition reaches DynamoDB more than a lease's time to live after B sent it
    // (so the expiry it writes is already past); C, on another gateway, takes that expired
    // lease at once. Both must not deliver.
    const tenant = uniqueTenant('slow-acquire');
    const consumers = b.consumers.forTenant(tenant);
    await consumers.create(request('c'));
    await append(a, tenant, 'orders-1', 3);
    const acquisition = b.valve.hold(isAcquisition);
    const holderB = new Reader('B', b, tenant, 'c', () => 'hold');
    await acquisition.reached;
    await sleep(fastTiming.leaseTtlMs + 200);
    acquisition.release();
    await eventually(
      () => consumers.get('c'),
      (consumer) => consumer?.lease !== null,
      'B granted',
    );
    const holderC = new Reader('C', a, tenant, 'c', () => 'hold');
    await eventually(
      () => holderB.deliveries.length + holderC.deliveries.length,
      (count) => count >= 3,
      'someone delivers',
    );
    await sleep(500);
    await holderB.stop();
    await holderC.stop();
    const deliverers = [holderB, holderC]
      .filter((reader) => reader.deliveries.length > 0)
      .map((r) => r.label);
    expect(deliverers, 'sessions that delivered while none released the lease').toHaveLength(1);
  });
});
