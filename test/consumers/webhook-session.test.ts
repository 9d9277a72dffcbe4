// What the webhook relay needs of a consume session, on a clock the test moves, an in-memory
// consumer store and a batch source over a fake log: `webhook: true` (delivers a webhook consumer
// and no other, takes no API acks), batches of what is ready (nextBatch), the ack-timeout
// override, the batch's `dropped` signal, parking with the relay's attempt count, and waiting by
// reading the lease.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConsumerSessions,
  ConsumeSession,
  type ConsumeSessionOptions,
  type DeliveryBatch,
} from '../../src/consumers/index.js';
import { holdLease } from '../store/consumers/consumer-fixtures.js';
import { FakeLog } from '../subscriptions/fake-log.js';
import { ManualClock, settle } from '../subscriptions/helpers.js';
import { LogBatchSource } from './log-batch-source.js';
import { MemoryConsumerStore } from './memory-consumer-store.js';

const tenant = 't1';
const name = 'hooked';
const webhook = { url: 'https://hooks.example.com/in', secret: 's', batchSize: 3 };

const everyOpen: ConsumeSession[] = [];
afterEach(async () => {
  await Promise.all(everyOpen.splice(0).map((session) => session.close()));
});

async function setup(consumer: { webhook?: boolean; ackTimeoutMs?: number } = {}) {
  const clock = new ManualClock();
  const log = new FakeLog(tenant);
  const consumers = new MemoryConsumerStore(tenant, clock);
  const source = new LogBatchSource(log);
  const sessions = new ConsumerSessions();
  await consumers.create({
    name,
    filter: null,
    after: 0,
    maxAttempts: 3,
    ackTimeoutMs: consumer.ackTimeoutMs ?? 1_000,
    webhook: consumer.webhook === false ? null : webhook,
  });
  const open = (options: Partial<ConsumeSessionOptions> = {}) => {
    const session = new ConsumeSession({
      consumers,
      events: log,
      hub: source,
      sessions,
      name,
      maxInFlight: webhook.batchSize,
      clock,
      webhook: true,
      ackTimeoutMs: Number.POSITIVE_INFINITY,
      ...options,
    });
    everyOpen.push(session);
    return session;
  };
  return { clock, log, consumers, source, sessions, open };
}

/** A batch pull that may stay pending: `batch` once it resolved. */
function pullBatch(session: ConsumeSession, max = webhook.batchSize) {
  const pending: { batch: DeliveryBatch | null | undefined; promise: Promise<DeliveryBatch | null> } = {
    batch: undefined,
    promise: Promise.resolve(null),
  };
  pending.promise = session.nextBatch(max).then((batch) => {
    pending.batch = batch;
    return batch;
  });
  return pending;
}

const positionsOf = (batch: DeliveryBatch | null | undefined) =>
  batch?.deliveries.map((delivery) => [delivery.event.position, delivery.attempt]);

describe('ConsumeSession for the webhook relay', () => {
  it('hands batches of up to max ready events in position order, and waits for the first event of a batch', async () => {
    const t = await setup();
    t.log.appendMany(5);
    const session = t.open();
    const first = await session.nextBatch(3);
    expect(positionsOf(first)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    session.ack([1, 2, 3]);
    expect(positionsOf(await session.nextBatch(3))).toEqual([
      [4, 1],
      [5, 1],
    ]);
    session.ack([4, 5]);
    const third = pullBatch(session);
    await t.clock.advance(500, 10);
    expect(third.batch).toBeUndefined();
    t.log.appendMany(1);
    await settle();
    expect(positionsOf(third.batch)).toEqual([[6, 1]]);
  });

  it('takes acks only from its caller: the API routing through ConsumerSessions does not reach it', async () => {
    const t = await setup();
    t.log.appendMany(2);
    const session = t.open();
    await session.nextBatch(3);
    expect(t.sessions.ack(tenant, name, [1, 2])).toBe(false);
    expect(t.sessions.isActive(tenant, name)).toBe(false);
    await t.clock.advance(1_000, 10);
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual([]);
    session.ack([1, 2]);
    await settle();
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual(['saveCheckpoint 2']);
  });

  it("the ack-timeout override keeps the consumer's ackTimeoutMs from firing while a batch is retried", async () => {
    const t = await setup({ ackTimeoutMs: 1_000 });
    t.log.appendMany(2);
    const session = t.open({ maxInFlight: 1 });
    await session.nextBatch(1);
    const next = pullBatch(session, 1);
    await t.clock.advance(120_000, 500);
    // Without the override the first event would come again (attempt 2) before the second.
    expect(next.batch).toBeUndefined();
    session.ack([1]);
    await settle();
    expect(positionsOf(next.batch)).toEqual([[2, 1]]);
  });

  it('parks with the attempts the caller counted and the reason, and goes on with the next events', async () => {
    const t = await setup();
    t.log.appendMany(3);
    const session = t.open();
    await session.nextBatch(2);
    session.nack([1, 2], 'PARK', 'HTTP 500', 3);
    expect(positionsOf(await session.nextBatch(3))).toEqual([[3, 1]]);
    await t.clock.advance(1_000, 10);
    expect(t.consumers.parkedRecords(name)).toMatchObject([
      { position: 1, attempts: 3, reason: 'HTTP 500' },
      { position: 2, attempts: 3, reason: 'HTTP 500' },
    ]);
    expect((await t.consumers.get(name))?.checkpoint).toBe(2);
  });

  it("a batch's dropped signal aborts on a reset (the batch comes again from the new checkpoint) and on close", async () => {
    const t = await setup();
    t.log.appendMany(4);
    const session = t.open({ maxInFlight: 2 });
    const first = (await session.nextBatch(2))!;
    expect(first.dropped.aborted).toBe(false);
    await t.consumers.reset(name, 1);
    const again = pullBatch(session, 2);
    await t.clock.advance(2_000, 10);
    expect(first.dropped.aborted).toBe(true);
    expect(positionsOf(again.batch)).toEqual([
      [2, 1],
      [3, 1],
    ]);
    await session.close();
    expect(again.batch?.dropped.aborted).toBe(true);
    expect(await session.nextBatch(2)).toBeNull();
  });

  it('a consumer without a webhook is not delivered: the session gives the lease back and ends', async () => {
    const t = await setup({ webhook: false });
    t.log.appendMany(1);
    const session = t.open();
    expect(await session.nextBatch(3)).toBeNull();
    expect((await t.consumers.get(name))?.lease).toBeNull();
  });

  it('waiting: one read a second and no write while the lease is held; it takes the lease once it saw it unchanged for a whole lease period', async () => {
    const t = await setup();
    await holdLease(t.consumers, name, 'other-gateway', 5_000, 0);
    t.consumers.forgetCalls();
    t.log.appendMany(1);
    const session = t.open();
    const pending = pullBatch(session);
    await t.clock.advance(9_500, 10);
    expect(session.state).toBe('waiting');
    // Past the holder's expiry on this clock, but not yet seen unchanged for 10 s: no write.
    expect(t.consumers.callsOf('takeLease')).toEqual([]);
    expect(t.consumers.callsOf('get').length).toBeGreaterThanOrEqual(9);
    await t.clock.advance(1_000, 10);
    expect(t.consumers.callsOf('takeLease')).toHaveLength(1);
    expect(positionsOf(pending.batch)).toEqual([[1, 1]]);
  });

  it('waiting: ends when the consumer is deleted', async () => {
    const t = await setup();
    await holdLease(t.consumers, name, 'other-gateway', 60_000, 0);
    const session = t.open();
    const pending = pullBatch(session);
    await t.clock.advance(1_000, 10);
    await t.consumers.delete(name);
    await t.clock.advance(1_000, 10);
    expect(pending.batch).toBeNull();
    expect(session.state).toBe('ended');
  });
});
