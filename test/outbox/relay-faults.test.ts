/**
 * Durable consumers under faults, on real gateway processes (src/main.ts) sharing one table of
 * the suite's DynamoDB Local:
 *
 * 1. Two gateways relay one webhook consumer (batchSize 5, maxAttempts 20) to a receiver that
 *    fails 30% of the requests, while a writer appends 300 events over about 10 s through either
 *    gateway; the relaying gateway is SIGKILLed while the receiver holds its batch. The survivor
 *    takes over within 15 s.
 * 2. The same flow (over 18 s), with the relaying gateway cut off from DynamoDB (its own TCP
 *    proxy) twice: 4 s (it keeps the lease; relaying pauses, resumes, saving resumes), then
 *    10.5 s while the receiver holds its batch of a backlog (it must give the batch up before
 *    its lease could expire; the lease expires and either gateway goes on from the checkpoint).
 *
 *    After both, the whole history: every event acknowledged by a 2xx at least once, first
 *    receipts in position order, nothing parked, and the saved checkpoint (read every 200 ms
 *    through Query.consumer) never above what the receiver had acknowledged at that moment, and
 *    nothing at or below a checkpoint read back delivered after that read. Never two requests
 *    outstanding at once: one gateway relays at a time.
 * 3. A stale lease holder: a `consume` subscription on gateway A is SIGSTOPped with acknowledged
 *    progress not yet saved, until its lease expired and B's waiting subscription took over and
 *    moved the checkpoint; after SIGCONT, A writes nothing (the lease epoch fences it) and
 *    delivers nothing new.
 *
 * Each test prints its figures (one JSON line): events, requests, failures, duplicates, times.
 * The receiver's failures come from a seed printed there too (RELAY_FAULTS_SEED replays it).
 */
import { afterEach, describe, expect, inject, test } from 'vitest';
import { createDynamoConsumerStore } from '../../src/store/index.js';
import { testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import {
  type GatewayProcess,
  killGatewayProcesses,
  scrape,
  startGatewayProcess,
} from '../support/gateway-process.js';
import { useSubscriptionClients } from '../support/subscriptions.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';
import {
  apiKey,
  belowSavedCheckpoint,
  createConsumer,
  FlakyReceiver,
  firstDeliveryDisorder,
  gatewayEnv,
  holderOf,
  leaseHeld,
  longestPause,
  type Receipt,
  readConsumer,
  readLog,
  SteadyWriter,
  sampleCheckpoints,
} from './fault-fixtures.js';
import { readUntil, secret, sleep } from './relay-fixtures.js';
import { ConsumedOnTwo, positionsOf, range } from './stale-holder-fixtures.js';

const clients = useSubscriptionClients();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  killGatewayProcesses();
});

const seed = Number(process.env.RELAY_FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const webhookConsumer = 'orders-hook';
const eventsToSend = 300;
const sendingMs = 10_000;
/** The cuts' flow lasts longer: it goes on through both cuts. */
const cutSendingMs = 18_000;
/** Shorter than the time a holder may go unrenewed (lease 10 s, stop 2 s before expiry): it keeps relaying. */
const shortCutMs = 4_000;
/** Longer than the lease (10 s): the holder stops relaying and its lease expires while it is cut off. */
const longCutMs = 10_500;
/** Appended through the holder just before the long cut: it is relaying when cut off. */
const backlogEvents = 30;

async function startGateways(
  tablePrefix: string,
  envs: Array<Record<string, string>>,
): Promise<GatewayProcess[]> {
  const gateways = await Promise.all(envs.map((env) => startGatewayProcess({ env, tablePrefix })));
  for (const gateway of gateways) cleanups.push(() => gateway.stop().then(() => undefined));
  return gateways;
}

async function startReceiver(receiverSeed: number): Promise<FlakyReceiver> {
  const receiver = await new FlakyReceiver(receiverSeed).start();
  cleanups.push(() => receiver.close());
  return receiver;
}

/** The webhook consumer from position 0, and the gateway relaying it once one does. */
async function relayedConsumer(gateways: GatewayProcess[], receiver: FlakyReceiver): Promise<GatewayProcess> {
  await createConsumer(gateways[0]!, {
    name: webhookConsumer,
    after: 0,
    maxAttempts: 20,
    webhook: { url: receiver.url, secret, batchSize: 5 },
  });
  return holderOf(gateways, webhookConsumer);
}

interface RelayRun {
  readonly receiver: FlakyReceiver;
  readonly writer: SteadyWriter;
  /** Where the checkpoint is read and the history checked: a gateway that is up. */
  readonly observer: GatewayProcess;
  readonly samples: ReturnType<typeof sampleCheckpoints>;
}

/** Waits until every event is acknowledged and saved, then checks the whole history; its figures. */
async function checkHistory(run: RelayRun): Promise<Record<string, number>> {
  const { receiver, writer, observer, samples } = run;
  const log = await readLog(observer);
  await until(
    () => receiver.acknowledgedThrough() >= log.length,
    () => `every event acknowledged (through ${receiver.acknowledgedThrough()} of ${log.length})`,
    30_000,
  );
  await readUntil(
    () => readConsumer(observer, webhookConsumer),
    (reading) => reading.checkpoint === log.length,
    `the checkpoint at ${log.length}`,
    10_000,
  );
  await samples.stop();
  const reading = await readConsumer(observer, webhookConsumer);

  // The log holds exactly what the writer was told was stored, once each.
  expect(log.map((event) => event.position)).toEqual(log.map((_, index) => index + 1));
  expect(new Map(log.map((event) => [event.id, event.position]))).toEqual(writer.stored);
  // Every event acknowledged by a 2xx, as the event stored at its position.
  const unacknowledged = log.filter((event) => receiver.acknowledged.get(event.position) !== event.id);
  expect(unacknowledged).toEqual([]);
  expect(firstDeliveryDisorder(receiver.receipts)).toBeNull();
  expect(reading.parked).toEqual([]);
  expect(receiver.receipts.filter((receipt) => !receipt.signed)).toEqual([]);
  // The saved checkpoint never covered an event the receiver had not acknowledged yet.
  expect(samples.samples.length).toBeGreaterThan(20);
  expect(samples.samples.filter((sample) => sample.checkpoint > sample.acknowledgedThrough)).toEqual([]);
  expect(receiver.maxOutstanding).toBe(1);
  // Nothing at or before a saved checkpoint is delivered again.
  expect(belowSavedCheckpoint(receiver.receipts, samples.samples)).toEqual([]);
  const receivedEvents = receiver.receipts.reduce((sum, receipt) => sum + receipt.positions.length, 0);
  return {
    eventsSent: log.length,
    eventsAcknowledged: receiver.acknowledged.size,
    requests: receiver.receipts.length,
    eventsReceived: receivedEvents,
    duplicateAcks: receiver.duplicateAcks,
    failedRequests: receiver.receipts.length - receiver.count('ok'),
    http500: receiver.count('http 500'),
    dropped: receiver.count('dropped'),
    parked: reading.parked.length,
    checkpointReads: samples.samples.length,
    appendRetries: writer.retries,
  };
}

function report(name: string, figures: Record<string, unknown>): void {
  console.log(`relay-faults ${name}: ${JSON.stringify({ seed, ...figures })}`);
}

describe('the webhook relay under faults', () => {
  test('the relaying gateway SIGKILLed mid-batch: the survivor takes over within 15 s, nothing lost or parked', async () => {
    const tenant = uniqueTenant('relay-kill');
    const gateways = await startGateways(uniquePrefix('relaykill'), [gatewayEnv(tenant), gatewayEnv(tenant)]);
    const receiver = await startReceiver(seed);
    const holder = await relayedConsumer(gateways, receiver);
    const survivor = gateways.find((gateway) => gateway !== holder)!;
    let targets = gateways;
    const writer = new SteadyWriter(() => targets);
    // Read through the survivor: the holder is the one killed.
    const samples = sampleCheckpoints(
      async () => (await readConsumer(survivor, webhookConsumer)).checkpoint,
      () => receiver.acknowledgedThrough(),
    );
    const writing = writer.run(eventsToSend, sendingMs);

    await sleep(3_500);
    const held = receiver.holdNext();
    const heldBatch = await Promise.race([held, sleep(5_000).then(() => null)]);
    expect(heldBatch, 'a batch reached the receiver').not.toBeNull();
    targets = [survivor];
    process.kill(holder.pid, 'SIGKILL');
    const killedAt = Date.now();
    receiver.dropHeld();
    await until(
      () => receiver.receipts.some((receipt) => receipt.at > killedAt),
      'a request after the kill',
      20_000,
    );
    const takeoverMs = receiver.receipts.find((receipt) => receipt.at > killedAt)!.at - killedAt;
    expect(await leaseHeld(survivor, webhookConsumer)).toBe(1);
    await writing;

    const figures = await checkHistory({ receiver, writer, observer: survivor, samples });
    report('SIGKILL', { ...figures, heldBatch: heldBatch?.positions, takeoverMs });
    expect(takeoverMs).toBeLessThanOrEqual(15_000);
  }, 90_000);

  test('the relaying gateway cut off from DynamoDB, briefly then past its lease: relaying pauses and resumes, nothing lost or parked', async () => {
    const tenant = uniqueTenant('relay-cut');
    const dynamo = inject('dynamoEndpoint');
    const proxies = await Promise.all([startTcpProxy(dynamo), startTcpProxy(dynamo)]);
    for (const proxy of proxies) cleanups.push(() => proxy.close());
    const gateways = await startGateways(
      uniquePrefix('relaycut'),
      proxies.map((proxy) => gatewayEnv(tenant, { DYNAMODB_ENDPOINT: proxy.endpoint })),
    );
    const receiver = await startReceiver(seed + 1);
    const firstHolder = await relayedConsumer(gateways, receiver);
    let targets: GatewayProcess[] = gateways;
    let observer = gateways.find((gateway) => gateway !== firstHolder)!;
    const writer = new SteadyWriter(() => targets);
    // Read through a gateway that keeps DynamoDB.
    const samples = sampleCheckpoints(
      async () => (await readConsumer(observer, webhookConsumer)).checkpoint,
      () => receiver.acknowledgedThrough(),
    );
    const writing = writer.run(eventsToSend, cutSendingMs);
    const cuts: Array<Record<string, unknown>> = [];
    /** Cuts the holder off DynamoDB for `ms` while the flow goes through the other gateway. */
    const cutHolder = async (holder: GatewayProcess, ms: number, midBatch = false) => {
      const other = gateways.find((gateway) => gateway !== holder)!;
      let held: Promise<Receipt> | undefined;
      if (midBatch) {
        // A backlog the holder has read; its next request is held unanswered through the cut.
        const first = await writer.appendThrough(holder, backlogEvents);
        await until(
          () => receiver.receipts.some((receipt) => receipt.positions.includes(first)),
          'the backlog',
        );
        held = receiver.holdNext();
      }
      targets = [other];
      observer = other;
      const proxy = proxies[gateways.indexOf(holder)]!;
      await proxy.cut();
      const cutAt = Date.now();
      await sleep(ms);
      await proxy.restore();
      const restoredAt = Date.now();
      const heldBatch = held && (await held);
      receiver.dropHeld();
      targets = gateways;
      const storedByThen = Math.max(0, ...writer.stored.values());
      const nextHolder = await holderOf(gateways, webhookConsumer, 20_000);
      // Relaying again, whoever holds the lease: caught up with what was stored before the restore.
      await until(
        () => receiver.acknowledgedThrough() >= storedByThen,
        () => `relaying again (acknowledged through ${receiver.acknowledgedThrough()} of ${storedByThen})`,
        20_000,
      );
      const caughtUpMs = Date.now() - restoredAt;
      // Saving resumes too: the next cut starts from a saved checkpoint.
      await readUntil(
        () => readConsumer(observer, webhookConsumer),
        (reading) => reading.checkpoint >= storedByThen,
        `the checkpoint saved through ${storedByThen} again`,
        10_000,
      );
      cuts.push({
        cutMs: restoredAt - cutAt,
        longestPauseMs: longestPause(receiver.receipts, cutAt, Date.now()),
        caughtUpMs,
        savedAgainMs: Date.now() - restoredAt,
        leaseMoved: nextHolder !== holder,
        ...(heldBatch && { heldBatchAbortedAfterMs: (heldBatch.closedAt ?? Number.NaN) - cutAt }),
      });
      if (heldBatch) {
        // The holder gave its batch up by itself, unable to renew, before anyone else relayed.
        expect(heldBatch.closedAt).toBeLessThan(restoredAt);
        const next = receiver.receipts[receiver.receipts.indexOf(heldBatch) + 1];
        expect(next?.at).toBeGreaterThan(heldBatch.closedAt!);
      }
      return nextHolder;
    };

    await sleep(2_500);
    // A few seconds: its renewals fail, not for long enough that it must stop (leaseMoved: false).
    const holder = await cutHolder(firstHolder, shortCutMs);
    // Past the lease, mid-backlog: renewals fail until it must stop (its batch aborted); the lease
    // expires and either gateway takes it, from the checkpoint saved before the cut.
    await cutHolder(holder, longCutMs, true);
    await writing;

    const figures = await checkHistory({ receiver, writer, observer, samples });
    report('DynamoDB cut', { ...figures, cuts });
  }, 90_000);
});

describe('a stale lease holder', () => {
  test('a SIGSTOPped consume holder, its lease expired and taken over: after SIGCONT it writes nothing and delivers nothing new', async () => {
    const tenant = uniqueTenant('stale');
    const prefix = uniquePrefix('stale');
    const [a, b] = (await startGateways(prefix, [gatewayEnv(tenant), gatewayEnv(tenant)])) as [
      GatewayProcess,
      GatewayProcess,
    ];
    let stopped: number | undefined;
    // Runs before the gateways are stopped (cleanups run in reverse).
    cleanups.push(() => {
      if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    });
    const client = testClient();
    cleanups.push(() => client.destroy());
    const store = createDynamoConsumerStore({ client, tablePrefix: prefix }).forTenant(tenant);
    const consumer = new ConsumedOnTwo('stale-consumer', b, store);
    await createConsumer(a, { name: consumer.name, after: 0, maxAttempts: 20 });
    consumer.subscribe(clients.ws(a.url, { key: apiKey }), 'A');
    await readUntil(
      () => leaseHeld(a, consumer.name),
      (held) => held === 1,
      'A holding',
      10_000,
    );
    consumer.subscribe(clients.ws(b.url, { key: apiKey }), 'B');
    await readUntil(
      () => scrape(b.metricsUrl, 'eventloom_consumer_waiting_sessions', { consumer: consumer.name }),
      (waiting) => waiting === 1,
      "B's subscription waiting",
      10_000,
    );

    const writer = new SteadyWriter(() => [b]);
    await writer.run(30, 500);
    // A delivers 1..30 (10 at a time); 1..20 acknowledged and saved, 21..30 delivered.
    const ackingA = consumer.acks.follow(consumer.subA, a, () => 20);
    await consumer.subA.waitUntil((items) => positionsOf(items).includes(30), 15_000);
    await consumer.untilSaved(20, 'A saving 20', 5_000);
    await ackingA.stop();
    // Acknowledged on A, which stops before its next save (at most one a second): progress only A knows.
    await consumer.acks.send(a, range(21, 30));
    const leaseOfA = (await consumer.lease())!;
    const refusedOnA = () =>
      scrape(a.metricsUrl, 'eventloom_dynamodb_errors_total', { error: 'ConditionalCheckFailedException' });
    const refusedBeforeStop = await refusedOnA();
    process.kill(a.pid, 'SIGSTOP');
    stopped = a.pid;
    const stoppedAt = Date.now();
    const deliveredByA = consumer.subA.items.length;
    const savedAtStop = await consumer.saved();

    // B takes over once A's lease expired, from the saved checkpoint, while events keep coming.
    const ackingB = consumer.acks.follow(consumer.subB, b, () => Number.MAX_VALUE);
    await writer.run(20, 1_000);
    await until(() => consumer.subB.items.length > 0, "B's first delivery", 20_000);
    const takeoverMs = Date.now() - stoppedAt;
    await consumer.untilSaved(50, 'B saving 50', 15_000);
    const leaseOfB = (await consumer.lease())!;
    expect(leaseOfB.epoch).toBeGreaterThan(leaseOfA.epoch);
    expect(leaseOfB.owner).not.toBe(leaseOfA.owner);
    // Stopped longer than a lease lasts, whenever A last renewed it.
    await sleep(stoppedAt + 11_000 - Date.now());
    const stoppedMs = Date.now() - stoppedAt;

    process.kill(a.pid, 'SIGCONT');
    stopped = undefined;
    const continuedAt = Date.now();
    const leaseReads: string[] = [];
    const watchingLease = (async () => {
      while (Date.now() < continuedAt + 5_000) {
        const lease = await consumer.lease();
        leaseReads.push(JSON.stringify(lease && { owner: lease.owner, epoch: lease.epoch }));
        await sleep(200);
      }
    })();
    await writer.run(10, 1_000);
    await consumer.untilSaved(60, 'B saving 60', 10_000);
    // A found out: it holds nothing, and its subscription waits again.
    await readUntil(
      () => leaseHeld(a, consumer.name),
      (held) => held === 0,
      'A no longer holding',
      10_000,
    );
    await watchingLease;
    // A did write after SIGCONT, with its old epoch (its renewal, then tries to take the lease): refused.
    const refusedAfterContinue = (await refusedOnA()) - refusedBeforeStop;
    const subscriptionOnA = await Promise.race([consumer.subA.ended, sleep(0).then(() => 'open')]);
    await ackingB.stop();
    await consumer.samples.stop();

    const { samples } = consumer.samples;
    expect(consumer.wentBack()).toEqual([]);
    expect(samples.filter((sample) => sample.at > continuedAt && sample.checkpoint < 50)).toEqual([]);
    expect(samples.filter((sample) => sample.checkpoint > sample.acknowledgedThrough)).toEqual([]);
    // No write of A was accepted: the lease stayed B's, at B's epoch, all along.
    expect(leaseReads.length).toBeGreaterThan(10);
    expect(new Set(leaseReads)).toEqual(
      new Set([JSON.stringify({ owner: leaseOfB.owner, epoch: leaseOfB.epoch })]),
    );
    expect(refusedAfterContinue).toBeGreaterThan(0);
    // A delivered nothing new: at most what it had handed out before it stopped.
    const laterFromA = positionsOf(consumer.subA.items.slice(deliveredByA));
    expect(laterFromA.filter((position) => position > 30)).toEqual([]);
    // B: first deliveries in order, from the saved checkpoint to the end; nothing parked.
    const fromB = positionsOf(consumer.subB.items);
    expect([...new Set(fromB)]).toEqual(range(savedAtStop + 1, 60));
    expect((await readConsumer(b, consumer.name)).parked).toEqual([]);
    report('SIGSTOP', {
      savedAtStop,
      unsavedOnA: 30 - savedAtStop,
      stoppedMs,
      takeoverMs,
      leaseOfAExpiredAfterMs: leaseOfA.expiresAt - stoppedAt,
      deliveredByB: fromB.length,
      deliveredAgainByB: fromB.filter((position) => position <= 30).length,
      deliveredByAAfterStop: laterFromA.length,
      subscriptionOnA,
      refusedWritesOfA: refusedAfterContinue,
      checkpointReads: samples.length,
      leaseReadsAfterContinue: leaseReads.length,
    });
  }, 90_000);
});
