/**
 * The webhook relay's throughput (issue 15): a webhook consumer from position 0 over the seeded
 * log, relayed by the gateway (a child process) to a receiver in this process on 127.0.0.1 that
 * answers 204 at once, in batches of `batchSize`. Measured from the consumer's creation until the
 * receiver has every event: events/s, the time to the first request (the relay finds a new
 * consumer at its next registry scan, every 2 s), and the gateway's DynamoDB calls per 1,000
 * events. Baseline of the same run: the raw catch-up Query rate over the same events.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TenantConsumerStore } from '../../src/store/index.js';
import { graphql } from '../lib/gateway.js';
import { callsByOperation } from '../lib/metrics-scrape.js';
import { medianOf } from '../lib/stats.js';
import { pageRaw } from './catchup.js';

export type RelayRun = {
  events: number;
  batchSize: number;
  eventsPerSecond: number;
  rawEventsPerSecond: number;
  ratio: number;
  firstRequestMs: number;
  requests: number;
  duplicates: number;
  writesPer1000: number;
  readsPer1000: number;
};

const writes = ['UpdateItem', 'TransactWriteItems', 'PutItem', 'DeleteItem', 'BatchWriteItem'];

interface Receiver {
  url: string;
  positions: Set<number>;
  received: number;
  requests: number;
  firstAt: number | null;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close'> = {
    positions: new Set(),
    received: 0,
    requests: 0,
    firstAt: null,
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receiver.firstAt ??= performance.now();
      receiver.requests += 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: { position: number }[] };
      for (const event of body.events) {
        receiver.received += 1;
        receiver.positions.add(event.position);
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

const createMutation = `mutation ($input: CreateConsumerInput!) {
  createConsumer(input: $input) { __typename ... on Error { message } }
}`;
const deleteMutation = 'mutation ($name: String!) { deleteConsumer(name: $name) { __typename } }';

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sumOf = (calls: Record<string, number>, names: readonly string[]) =>
  names.reduce((sum, name) => sum + (calls[name] ?? 0), 0);

async function relayOnce(
  options: RelayOptions,
  name: string,
): Promise<Omit<RelayRun, 'rawEventsPerSecond' | 'ratio'>> {
  const receiver = await startReceiver();
  const headers = { authorization: `Bearer ${options.key}` };
  try {
    const before = await callsByOperation(options.metricsUrl);
    const started = performance.now();
    const created = await graphql<{ createConsumer: { __typename: string; message?: string } }>(
      options.gatewayUrl,
      createMutation,
      {
        input: {
          name,
          after: 0,
          webhook: { url: receiver.url, secret: 'bench-secret', batchSize: options.batchSize },
        },
      },
      headers,
    );
    if (created.createConsumer.__typename !== 'ConsumerSuccess') {
      throw new Error(`createConsumer: ${JSON.stringify(created.createConsumer)}`);
    }
    await waitFor(() => receiver.positions.size >= options.total, 300_000);
    const done = performance.now();
    await waitFor(
      async () => ((await options.consumers.get(name))?.checkpoint ?? 0) >= options.total,
      30_000,
    );
    const after = await callsByOperation(options.metricsUrl);
    const delta = Object.fromEntries(
      Object.keys(after).map((key) => [key, (after[key] ?? 0) - (before[key] ?? 0)]),
    );
    const firstAt = receiver.firstAt ?? done;
    return {
      events: options.total,
      batchSize: options.batchSize,
      // From the first request: the wait for the registry scan is reported apart.
      eventsPerSecond: options.total / ((done - firstAt) / 1000),
      firstRequestMs: firstAt - started,
      requests: receiver.requests,
      duplicates: receiver.received - receiver.positions.size,
      writesPer1000: (sumOf(delta, writes) / options.total) * 1000,
      readsPer1000: (sumOf(delta, ['GetItem', 'Query', 'BatchGetItem']) / options.total) * 1000,
    };
  } finally {
    await graphql(options.gatewayUrl, deleteMutation, { name }, headers).catch(() => undefined);
    await receiver.close();
  }
}

export interface RelayOptions {
  gatewayUrl: string;
  metricsUrl: string;
  key: string;
  client: DynamoDBClient;
  table: string;
  tenant: string;
  consumers: TenantConsumerStore;
  total: number;
  batchSize: number;
  repetitions: number;
  log: (line: string) => void;
}

export async function relayScenario(options: RelayOptions): Promise<{ median: RelayRun; runs: RelayRun[] }> {
  const runs: RelayRun[] = [];
  for (let rep = 0; rep < options.repetitions; rep++) {
    const rawEventsPerSecond = await pageRaw(options.client, options.table, options.tenant, options.total);
    const run = await relayOnce(options, `bench-hook-${Date.now()}-${rep}`);
    runs.push({ ...run, rawEventsPerSecond, ratio: run.eventsPerSecond / rawEventsPerSecond });
    const last = runs.at(-1) as RelayRun;
    options.log(
      `  relay rep ${rep + 1}: ${last.eventsPerSecond.toFixed(0)} events/s in ${last.requests} requests (raw Query ${rawEventsPerSecond.toFixed(0)}, ratio ${last.ratio.toFixed(2)}), first request after ${last.firstRequestMs.toFixed(0)} ms, ${last.duplicates} duplicates, writes/reads per 1,000 ${last.writesPer1000.toFixed(2)}/${last.readsPer1000.toFixed(2)}`,
    );
  }
  return { median: medianOf(runs), runs };
}
