/**
 * Durable consumers (issue 15): a consumer created with `after: 0` over a seeded log, consumed
 * over graphql-ws on the gateway (a child process) with `consume(maxInFlight: 100)`, the client
 * acknowledging 100 positions per `ackEvents` on the same socket (both by default: with acks of
 * 100 the window empties before each ack; smaller ones keep it moving), until the checkpoint the
 * gateway saved reaches the head. Measured: events/s (subscribe → the last ack answered), the
 * time to the first event, the ack round trip, and the gateway's DynamoDB calls per 1,000
 * acknowledged events (its `eventloom_dynamodb_calls_total`, scraped before and after).
 * Baseline of the same run: raw consistent Query pages of the same log (catchup.ts's `pageRaw`).
 *
 * The saved checkpoint is read with the bench's own consumer store (its own DynamoDB client), so
 * that watching it adds no call to the gateway's counters.
 *
 * The webhook relay's throughput is bench/scenarios/webhook-relay.ts, run after this one on the
 * same seeded log (bench/run.ts).
 */

import { loadavg } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TenantConsumerStore } from '../../src/store/index.js';
import { callsBetween, totalCalls } from '../lib/call-counter.js';
import { graphql } from '../lib/gateway.js';
import { callsByOperation, scrapeSum } from '../lib/metrics-scrape.js';
import { medianOf, summarize } from '../lib/stats.js';
import { request } from '../lib/ws-request.js';
import { pageRaw } from './catchup.js';

/** The operations that write (the checkpoint and the lease use UpdateItem); any other call reads. */
const writeOperations = ['UpdateItem', 'TransactWriteItems', 'PutItem', 'DeleteItem', 'BatchWriteItem'];

export interface ConsumerRun {
  events: number;
  /** Acknowledged events per second: from sending the subscription to the last ack's answer. */
  eventsPerSecond: number;
  /** From sending the subscription to the first event. */
  firstEventMs: number;
  /** From sending the subscription to the saved checkpoint reading the head. */
  checkpointAtHeadMs: number;
  acks: number;
  ackP50: number;
  ackP99: number;
  ackMax: number;
  /** Deliveries with attempt > 1 (none expected: nothing is nacked, ackTimeoutMs is 30 s). */
  redeliveries: number;
  /** The gateway's DynamoDB calls from subscribing until the saved checkpoint reads the head. */
  writesPer1000: number;
  readsPer1000: number;
  /** The same calls, by operation (not per 1,000: the whole run). */
  calls: Record<string, number>;
  /** Calls from then until the subscription has ended (final checkpoint save, lease release). */
  closingCalls: Record<string, number>;
  rawEventsPerSecond: number;
  ratio: number;
  /** CPU per 1,000 events from subscribing to the last ack's answer: the gateway's, the bench client's. */
  gatewayCpuMsPer1000: number;
  benchCpuMsPer1000: number;
  load1: number;
}

export interface ConsumersResult {
  events: number;
  maxInFlight: number;
  ackBatch: number;
  median: Omit<ConsumerRun, 'calls' | 'closingCalls'>;
  runs: ConsumerRun[];
  /** Filled by the webhook relay part (not built yet). */
}

const createMutation = `mutation Create($input: CreateConsumerInput!) {
  createConsumer(input: $input) { __typename ... on Error { message } }
}`;
const deleteMutation = `mutation Delete($name: String!) { deleteConsumer(name: $name) { __typename } }`;
const consumeSubscription = `subscription Consume($consumer: String!, $maxInFlight: Int) {
  consume(consumer: $consumer, maxInFlight: $maxInFlight) { attempt event { position type data } }
}`;
const ackMutation = `mutation Ack($input: AckEventsInput!) { ackEvents(input: $input) { __typename } }`;

interface Message {
  consume: { attempt: number; event: { position: number } };
}

export async function consumerScenario(options: {
  gatewayUrl: string;
  wsUrl: string;
  metricsUrl: string;
  key: string;
  client: DynamoDBClient;
  table: string;
  tenant: string;
  /** The bench's own consumer store of the tenant: reads the saved checkpoint. */
  consumers: TenantConsumerStore;
  total: number;
  repetitions: number;
  maxInFlight?: number | undefined;
  ackBatch?: number | undefined;
  log: (line: string) => void;
}): Promise<ConsumersResult> {
  const maxInFlight = options.maxInFlight ?? 100;
  const ackBatch = options.ackBatch ?? 100;
  const runs: ConsumerRun[] = [];
  for (let rep = 0; rep < options.repetitions; rep++) {
    const rawEventsPerSecond = await pageRaw(options.client, options.table, options.tenant, options.total);
    const run = await consumeOnce({ ...options, maxInFlight, ackBatch, name: `bench-${Date.now()}-${rep}` });
    runs.push({ ...run, rawEventsPerSecond, ratio: run.eventsPerSecond / rawEventsPerSecond });
    const last = runs.at(-1)!;
    options.log(
      `  rep ${rep + 1} (load ${last.load1.toFixed(2)}): ${last.eventsPerSecond.toFixed(0)} events/s (raw Query ${rawEventsPerSecond.toFixed(0)}, ratio ${last.ratio.toFixed(2)}), first event ${last.firstEventMs.toFixed(0)} ms, checkpoint at head after ${last.checkpointAtHeadMs.toFixed(0)} ms, ack p50/p99 ${last.ackP50.toFixed(1)}/${last.ackP99.toFixed(1)} ms, writes/reads per 1,000 ${last.writesPer1000.toFixed(2)}/${last.readsPer1000.toFixed(2)}, CPU ms per 1,000 gateway/bench ${last.gatewayCpuMsPer1000.toFixed(0)}/${last.benchCpuMsPer1000.toFixed(0)} (${describeCalls(last.calls)}; closing ${describeCalls(last.closingCalls)})`,
    );
  }
  const numeric = runs.map(({ calls: _calls, closingCalls: _closing, ...figures }) => figures);
  return {
    events: options.total,
    maxInFlight,
    ackBatch,
    median: medianOf(numeric),
    runs,
  };
}

type RunOptions = Parameters<typeof consumerScenario>[0] & {
  name: string;
  maxInFlight: number;
  ackBatch: number;
};

async function consumeOnce(options: RunOptions): Promise<Omit<ConsumerRun, 'rawEventsPerSecond' | 'ratio'>> {
  const { name, total } = options;
  const headers = { authorization: `Bearer ${options.key}` };
  const created = await graphql<{ createConsumer: { __typename: string; message?: string } }>(
    options.gatewayUrl,
    createMutation,
    { input: { name, after: 0 } },
    headers,
  );
  if (created.createConsumer.__typename !== 'ConsumerSuccess') {
    throw new Error(`createConsumer: ${JSON.stringify(created.createConsumer)}`);
  }
  const client = createClient({
    url: options.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: headers,
    retryAttempts: 0,
  });
  try {
    // The socket is opened (and the connection acknowledged) before the clock starts.
    await request(client, '{ __typename }', {});
    const before = await callsByOperation(options.metricsUrl);
    const cpuBefore = await cpuSeconds(options.metricsUrl);
    const delivery = await consumeAll(client, options);
    const cpuAfter = await cpuSeconds(options.metricsUrl);
    await waitFor(
      async () => ((await options.consumers.get(name))?.checkpoint ?? 0) >= delivery.head,
      30_000,
    );
    const checkpointAtHeadMs = performance.now() - delivery.started;
    const atHead = await callsByOperation(options.metricsUrl);
    delivery.unsubscribe?.();
    // Ended: the session saved the checkpoint (if it had not) and released the lease.
    await waitFor(async () => (await options.consumers.get(name))?.lease === null, 15_000);
    const closed = await callsByOperation(options.metricsUrl);
    const calls = callsBetween(before, atHead);
    const ackLatency = summarize(delivery.ackLatencies);
    return {
      events: total,
      eventsPerSecond: total / (delivery.allAckedMs / 1000),
      firstEventMs: delivery.firstEventMs,
      checkpointAtHeadMs,
      acks: ackLatency.count,
      ackP50: ackLatency.p50,
      ackP99: ackLatency.p99,
      ackMax: ackLatency.max,
      redeliveries: delivery.redeliveries,
      writesPer1000: (writesIn(calls) / total) * 1000,
      readsPer1000: ((totalCalls(calls) - writesIn(calls)) / total) * 1000,
      calls,
      closingCalls: callsBetween(atHead, closed),
      gatewayCpuMsPer1000: ((cpuAfter.gateway - cpuBefore.gateway) * 1e6) / total,
      benchCpuMsPer1000: ((cpuAfter.bench - cpuBefore.bench) * 1e6) / total,
      load1: loadavg()[0] ?? Number.NaN,
    };
  } finally {
    await client.dispose();
    await graphql(options.gatewayUrl, deleteMutation, { name }, headers).catch(() => undefined);
  }
}

interface Delivery {
  started: number;
  firstEventMs: number;
  allAckedMs: number;
  /** The last position delivered: the tenant's head. */
  head: number;
  ackLatencies: number[];
  redeliveries: number;
  unsubscribe?: () => void;
}

/**
 * Subscribes and acknowledges every `ackBatch` positions (and the rest at the end) without
 * blocking the subscription; resolves once every event is acknowledged and every ack answered.
 */
function consumeAll(client: Client, options: RunOptions): Promise<Delivery> {
  return new Promise<Delivery>((resolve, reject) => {
    const started = performance.now();
    const delivery: Delivery = {
      started,
      firstEventMs: Number.NaN,
      allAckedMs: Number.NaN,
      head: 0,
      ackLatencies: [],
      redeliveries: 0,
    };
    let pending: number[] = [];
    let firstDeliveries = 0;
    const acked = new Set<number>();
    const timeout = setTimeout(
      () => reject(new Error(`consume: ${acked.size}/${options.total} acknowledged after 10 minutes`)),
      600_000,
    );
    const ack = (positions: number[]) => {
      const sent = performance.now();
      request(client, ackMutation, { input: { consumer: options.name, positions } }).then(() => {
        delivery.ackLatencies.push(performance.now() - sent);
        for (const position of positions) acked.add(position);
        if (acked.size < options.total) return;
        delivery.allAckedMs = performance.now() - started;
        clearTimeout(timeout);
        resolve(delivery);
      }, reject);
    };
    const onMessage = (message: Message) => {
      const { attempt, event } = message.consume;
      if (Number.isNaN(delivery.firstEventMs)) delivery.firstEventMs = performance.now() - started;
      if (attempt > 1) delivery.redeliveries++;
      else if (event.position <= delivery.head) {
        throw new Error(`first delivery out of order: ${event.position} after ${delivery.head}`);
      } else {
        delivery.head = event.position;
        firstDeliveries++;
      }
      // A redelivered event (its ack was late) is acknowledged again.
      pending.push(event.position);
      if (pending.length >= options.ackBatch || (firstDeliveries === options.total && pending.length > 0)) {
        ack(pending);
        pending = [];
      }
    };
    delivery.unsubscribe = client.subscribe<Message>(
      {
        query: consumeSubscription,
        variables: { consumer: options.name, maxInFlight: options.maxInFlight },
      },
      {
        next: (result) => {
          try {
            if (!result.data) throw new Error(`consume: ${JSON.stringify(result.errors)}`);
            onMessage(result.data);
          } catch (error) {
            reject(error);
          }
        },
        error: reject,
        complete: () => reject(new Error(`consume completed after ${firstDeliveries} events`)),
      },
    );
  });
}

async function cpuSeconds(metricsUrl: string) {
  const { user, system } = process.cpuUsage();
  return {
    gateway: await scrapeSum(metricsUrl, 'eventloom_process_cpu_seconds_total'),
    bench: (user + system) / 1e6,
  };
}

const writesIn = (calls: Record<string, number>) =>
  writeOperations.reduce((sum, operation) => sum + (calls[operation] ?? 0), 0);

const describeCalls = (calls: Record<string, number>) =>
  Object.entries(calls)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ') || 'none';

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
