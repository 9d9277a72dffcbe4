// The consume session's life on a clock the test moves, an in-memory consumer store and a batch
// source over a fake log: no DynamoDB (the session's real-store tests come with the DynamoDB
// consumer store).
import { afterEach, describe, expect, it } from 'vitest';
import { ConsumerSessions, ConsumeSession, type ConsumeSessionOptions } from '../../src/consumers/index.js';
import type { ConsumerDelivery } from '../../src/consumers/ledger.js';
import type { ParkedEventRecord } from '../../src/store/consumers/types.js';
import { holdLease } from '../store/consumers/consumer-fixtures.js';
import { FakeLog } from '../subscriptions/fake-log.js';
import { ManualClock, settle, take } from '../subscriptions/helpers.js';
import { LogBatchSource } from './log-batch-source.js';
import { MemoryConsumerStore } from './memory-consumer-store.js';

const tenant = 't1';
const name = 'c1';

interface Setup {
  clock: ManualClock;
  log: FakeLog;
  consumers: MemoryConsumerStore;
  source: LogBatchSource;
  sessions: ConsumerSessions;
  errors: Array<{ error: unknown; during: string }>;
  open(options?: Partial<ConsumeSessionOptions>): ConsumeSession;
}

const everyOpen: ConsumeSession[] = [];
afterEach(async () => {
  await Promise.all(everyOpen.splice(0).map((session) => session.close()));
});

async function setup(consumer: { maxAttempts?: number; ackTimeoutMs?: number; webhook?: boolean } = {}) {
  const clock = new ManualClock();
  const log = new FakeLog(tenant);
  const consumers = new MemoryConsumerStore(tenant, clock);
  const source = new LogBatchSource(log);
  const sessions = new ConsumerSessions();
  const errors: Setup['errors'] = [];
  await consumers.create({
    name,
    filter: null,
    after: 0,
    maxAttempts: consumer.maxAttempts ?? 3,
    ackTimeoutMs: consumer.ackTimeoutMs ?? 30_000,
    webhook: consumer.webhook ? { url: 'https://example.com/hook', secret: 's', batchSize: 1 } : null,
  });
  const open = (options: Partial<ConsumeSessionOptions> = {}) => {
    const session = new ConsumeSession({
      consumers,
      events: log,
      hub: source,
      sessions,
      name,
      maxInFlight: 10,
      clock,
      onError: (error, where) => errors.push({ error, during: where.during }),
      ...options,
    });
    everyOpen.push(session);
    return session;
  };
  return { clock, log, consumers, source, sessions, errors, open } satisfies Setup;
}

/** A pull that may stay pending: `result` once it resolved. */
function pull(session: ConsumeSession) {
  const pending: {
    result: IteratorResult<ConsumerDelivery, undefined> | undefined;
    promise: Promise<IteratorResult<ConsumerDelivery, undefined>>;
  } = { result: undefined, promise: Promise.resolve({ done: true, value: undefined }) };
  pending.promise = session.next().then((result) => {
    pending.result = result;
    return result;
  });
  return pending;
}

const delivered = (deliveries: ConsumerDelivery[]) => deliveries.map((d) => [d.event.position, d.attempt]);

function parked(position: number): ParkedEventRecord {
  return { position, attempts: 1, reason: 'setup', parkedAt: new Date(0) };
}

describe('ConsumeSession', () => {
  it('delivers in position order with attempt 1, at most maxInFlight unacknowledged; acks come through the registry', async () => {
    const t = await setup();
    t.log.appendMany(5);
    const session = t.open({ maxInFlight: 3 });
    expect(delivered(await take(session, 3))).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    const fourth = pull(session);
    await settle();
    expect(fourth.result).toBeUndefined();
    expect(t.sessions.ack(tenant, name, [1])).toBe(true);
    expect((await fourth.promise).value?.event.position).toBe(4);
    expect(t.sessions.ack(tenant, 'another', [2])).toBe(false);
  });

  it('pulls the source only while the ledger needs events', async () => {
    const t = await setup();
    t.log.appendMany(50);
    const session = t.open({ maxInFlight: 2 });
    await take(session, 2);
    pull(session);
    await t.clock.advance(500, 10);
    expect(t.source.opened).toMatchObject([{ after: 0, filter: null, maxSize: 2, maxWaitMs: 0 }]);
    expect(t.source.pulls).toBe(2);
  });

  it('saves the checkpoint at most once a second while it moves, and on return; then releases the lease and ends', async () => {
    const t = await setup();
    t.log.appendMany(3);
    const session = t.open();
    await take(session, 3);
    t.sessions.ack(tenant, name, [1]);
    await settle();
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual(['saveCheckpoint 1']);
    t.sessions.ack(tenant, name, [2]);
    await t.clock.advance(900, 10);
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual(['saveCheckpoint 1']);
    await t.clock.advance(100, 10);
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual(['saveCheckpoint 1', 'saveCheckpoint 2']);
    t.sessions.ack(tenant, name, [3]);
    await session.return();
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual([
      'saveCheckpoint 1',
      'saveCheckpoint 2',
      'saveCheckpoint 3',
    ]);
    const stored = await t.consumers.get(name);
    expect(stored).toMatchObject({ checkpoint: 3, lease: null });
    expect(session.state).toBe('ended');
    expect(t.sessions.openCount).toBe(0);
    expect(t.sessions.isActive(tenant, name)).toBe(false);
    expect(t.source.openCount).toBe(0);
    expect((await session.next()).done).toBe(true);
  });

  it('renews the lease every 2 s while it holds it', async () => {
    const t = await setup();
    const session = t.open();
    pull(session);
    await settle();
    await t.clock.advance(6_000, 20);
    expect(t.consumers.callsOf('renewLease')).toHaveLength(3);
    expect((await t.consumers.get(name))?.lease?.expiresAt).toBe(16_000);
  });

  it('waits while another session holds the lease, trying every second, and takes it once it is free', async () => {
    const t = await setup();
    const other = await holdLease(t.consumers, name, 'other', 10_000, 0);
    t.consumers.forgetCalls();
    t.log.appendMany(1);
    const session = t.open();
    const first = pull(session);
    await settle();
    await t.clock.advance(3_000, 10);
    expect(first.result).toBeUndefined();
    expect(session.state).toBe('waiting');
    // One read a second, no write while the lease is held and renewed-looking.
    expect(t.consumers.callsOf('takeLease')).toEqual([]);
    expect(t.consumers.callsOf('get').length).toBeGreaterThanOrEqual(3);
    await t.consumers.releaseLease(other);
    await t.clock.advance(1_000, 10);
    expect(first.result?.value?.event.position).toBe(1);
    expect(session.state).toBe('delivering');
  });

  it('takes over an expired lease', async () => {
    const t = await setup();
    await holdLease(t.consumers, name, 'crashed', 10_000, 0);
    t.log.appendMany(1);
    const first = pull(t.open());
    await t.clock.advance(9_900, 50);
    expect(first.result).toBeUndefined();
    await t.clock.advance(1_100, 50);
    expect(first.result?.value?.event.position).toBe(1);
  });

  it('a session released on this gateway wakes a local waiter at once, which goes on from the checkpoint', async () => {
    const t = await setup();
    t.log.appendMany(2);
    const active = t.open();
    await take(active, 1);
    const waiter = t.open();
    const waiting = pull(waiter);
    await settle();
    expect(waiter.state).toBe('waiting');
    t.sessions.ack(tenant, name, [1]);
    await active.return();
    await settle();
    expect(waiting.result?.value).toMatchObject({ event: { position: 2 }, attempt: 1 });
    expect(t.clock.now()).toBe(0);
  });

  it('redelivers after a nack with RETRY, then parks after maxAttempts; the parked record is written before the checkpoint passes it', async () => {
    const t = await setup({ maxAttempts: 2 });
    t.log.appendMany(2);
    const session = t.open({ maxInFlight: 1 });
    await take(session, 1);
    t.sessions.nack(tenant, name, [1], 'RETRY', 'busy');
    const again = pull(session);
    await t.clock.advance(90, 5);
    expect(again.result).toBeUndefined();
    await t.clock.advance(10, 5);
    expect(again.result?.value).toMatchObject({ event: { position: 1 }, attempt: 2 });
    t.sessions.nack(tenant, name, [1], 'RETRY', 'still busy');
    expect(delivered(await take(session, 1))).toEqual([[2, 1]]);
    t.sessions.nack(tenant, name, [2], 'PARK', 'poison');
    await t.clock.advance(1_000, 10);
    expect(t.consumers.parkedRecords(name)).toMatchObject([
      { position: 1, attempts: 2, reason: 'still busy', replaying: false },
      { position: 2, attempts: 0, reason: 'poison', replaying: false },
    ]);
    const writes = t.consumers.calls.filter((call) => /^(park|saveCheckpoint) /.test(call));
    expect(writes).toEqual(['park 1', 'saveCheckpoint 1', 'park 2', 'saveCheckpoint 2']);
  });

  it('does not spin while a due redelivery waits for the client to pull', async () => {
    const t = await setup();
    t.log.appendMany(1);
    let sleeps = 0;
    const clock = t.clock;
    const counting = {
      now: () => clock.now(),
      sleep: (ms: number, signal?: AbortSignal) => {
        sleeps += 1;
        return clock.sleep(ms, signal);
      },
    };
    const session = t.open({ clock: counting });
    await take(session, 1);
    t.sessions.nack(tenant, name, [1], 'RETRY', null);
    await t.clock.advance(1_000, 10);
    expect(sleeps).toBeLessThan(10);
    const again = await take(session, 1);
    expect(delivered(again)).toEqual([[1, 2]]);
  });

  it('redelivers an event not acknowledged within ackTimeoutMs', async () => {
    const t = await setup({ ackTimeoutMs: 1_000 });
    t.log.appendMany(1);
    const session = t.open();
    await take(session, 1);
    const again = pull(session);
    await t.clock.advance(1_050, 10);
    expect(again.result).toBeUndefined();
    await t.clock.advance(50, 10);
    expect(again.result?.value).toMatchObject({ event: { position: 1 }, attempt: 2 });
  });

  it('stops delivering when the lease is lost, ignores acks meanwhile, and delivers again from the checkpoint once it holds it again', async () => {
    const t = await setup();
    t.log.appendMany(2);
    const session = t.open({ maxInFlight: 1 });
    await take(session, 1);
    // The thief never renews: the session, which finds its lease lost at its renewal (2000), takes
    // it back once it has seen the thief's lease unchanged for a whole lease period (10 s).
    t.consumers.steal(name, 'another-gateway', 4_500);
    const pending = pull(session);
    await t.clock.advance(2_000, 10);
    expect(session.state).toBe('waiting');
    expect(t.sessions.isActive(tenant, name)).toBe(false);
    expect(t.sessions.ack(tenant, name, [1])).toBe(false);
    expect(t.source.openCount).toBe(0);
    expect(t.consumers.callsOf('releaseLease')).toEqual([]);
    await t.clock.advance(9_000, 10);
    expect(pending.result).toBeUndefined();
    await t.clock.advance(2_000, 10);
    expect(pending.result?.value).toMatchObject({ event: { position: 1 }, attempt: 1 });
  });

  it('stops delivering before the lease can expire when renewals keep failing', async () => {
    const t = await setup();
    t.log.appendMany(1);
    const session = t.open();
    await take(session, 1);
    // The store is unreachable: renewals fail (and so do acquisitions once the lease is given up).
    t.consumers.failures.push(...Array<'renewLease'>(20).fill('renewLease'));
    t.consumers.failures.push(...Array<'get'>(20).fill('get'));
    await t.clock.advance(7_900, 50);
    expect(session.state).toBe('delivering');
    expect(t.errors.map((e) => e.during)).toEqual(Array(6).fill('renew'));
    // At 8000 the lease (till 10000) would outlive the next renewal interval: delivery stops.
    await t.clock.advance(100, 10);
    expect(session.state).toBe('waiting');
    expect(t.sessions.isActive(tenant, name)).toBe(false);
  });

  it('drops what is in flight and goes on from the new checkpoint when the generation moves (a reset)', async () => {
    const t = await setup();
    t.log.appendMany(5);
    const session = t.open({ maxInFlight: 2 });
    expect(delivered(await take(session, 2))).toEqual([
      [1, 1],
      [2, 1],
    ]);
    await t.consumers.reset(name, 3);
    const pending = pull(session);
    await t.clock.advance(2_000, 10);
    expect(pending.result?.value).toMatchObject({ event: { position: 4 }, attempt: 1 });
    expect(t.source.opened.map((options) => options.after)).toEqual([0, 3]);
    expect(t.source.openCount).toBe(1);
    t.sessions.ack(tenant, name, [1, 2, 4]);
    await settle();
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual(['saveCheckpoint 4']);
    expect((await t.consumers.get(name))?.checkpoint).toBe(4);
  });

  it('replays parked events marked for replay (attempt 1), skips the other parked ones, and removes finished records', async () => {
    const t = await setup();
    t.log.append([{ stream: 's1' }]);
    t.log.append([{ stream: 'doomed' }]);
    t.log.appendMany(4);
    const setupLease = await holdLease(t.consumers, name, 'setup', 1_000, 0);
    await t.consumers.park(setupLease, [parked(1), parked(2), parked(5)]);
    await t.consumers.saveCheckpoint(setupLease, 0, 3);
    await t.consumers.releaseLease(setupLease);
    await t.consumers.replayParked(name, [1, 2]);
    t.log.deleteStream('doomed');
    const session = t.open();
    expect(delivered(await take(session, 3))).toEqual([
      [1, 1],
      [4, 1],
      [6, 1],
    ]);
    expect(t.consumers.callsOf('finishReplay')).toEqual(['finishReplay 2']);
    t.sessions.ack(tenant, name, [1, 4, 6]);
    await settle();
    expect(t.consumers.callsOf('finishReplay')).toEqual(['finishReplay 2', 'finishReplay 1']);
    expect(t.consumers.parkedRecords(name).map((record) => record.position)).toEqual([5]);
    expect((await t.consumers.get(name))?.checkpoint).toBe(6);
  });

  it('ends when the consumer is deleted while it delivers', async () => {
    const t = await setup();
    t.log.appendMany(1);
    const session = t.open();
    await take(session, 1);
    await t.consumers.delete(name);
    const pending = pull(session);
    await t.clock.advance(2_000, 10);
    expect(pending.result?.done).toBe(true);
    expect(session.state).toBe('ended');
    expect(t.sessions.openCount).toBe(0);
    expect(t.source.openCount).toBe(0);
  });

  it('ends when the consumer is deleted, or deleted and created again, while it waits', async () => {
    for (const recreate of [false, true]) {
      const t = await setup();
      await holdLease(t.consumers, name, 'other', 60_000, 0);
      const session = t.open();
      const pending = pull(session);
      await settle();
      await t.consumers.delete(name);
      if (recreate) {
        const again = { filter: null, after: 0, maxAttempts: 3, ackTimeoutMs: 30_000, webhook: null };
        await t.consumers.create({ name, ...again });
      }
      await t.clock.advance(1_000, 10);
      expect(pending.result?.done).toBe(true);
      expect(session.state).toBe('ended');
    }
  });

  it('never delivers a webhook consumer (the relay does): it gives the lease back and ends', async () => {
    const t = await setup({ webhook: true });
    t.log.appendMany(1);
    const session = t.open();
    expect((await session.next()).done).toBe(true);
    expect((await t.consumers.get(name))?.lease).toBeNull();
  });

  it('reports a failed store write and tries again, never saving a checkpoint past an unwritten parked event', async () => {
    const t = await setup();
    t.log.appendMany(1);
    const session = t.open();
    await take(session, 1);
    t.consumers.failures.push('park');
    t.sessions.nack(tenant, name, [1], 'PARK', 'poison');
    await settle();
    expect(t.errors.map((e) => e.during)).toEqual(['write']);
    expect(t.consumers.callsOf('saveCheckpoint')).toEqual([]);
    await t.clock.advance(1_000, 10);
    expect(t.consumers.calls.filter((call) => /^(park|saveCheckpoint) /.test(call))).toEqual([
      'park 1',
      'park 1',
      'saveCheckpoint 1',
    ]);
  });

  it('closeAll (shutdown) saves every checkpoint, releases every lease and ends every session', async () => {
    const t = await setup();
    t.log.appendMany(2);
    const active = t.open();
    const waiter = t.open();
    await take(active, 2);
    const waiting = pull(waiter);
    await settle();
    t.sessions.ack(tenant, name, [1, 2]);
    await settle();
    t.log.appendMany(1);
    await take(active, 1);
    t.sessions.ack(tenant, name, [3]);
    await t.sessions.closeAll();
    expect((await waiting.promise).done).toBe(true);
    expect(await t.consumers.get(name)).toMatchObject({ checkpoint: 3, lease: null });
    expect([active.state, waiter.state]).toEqual(['ended', 'ended']);
    expect(t.sessions.openCount).toBe(0);
  });
});
