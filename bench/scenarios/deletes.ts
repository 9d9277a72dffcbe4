/**
 * Deletes: streams of N events deleted one after another through the gateway's GraphQL
 * `deleteStream`, through the store API directly (`forTenant(t).deleteStream`) and by the raw
 * baseline (bench/lib/raw-deleter.ts: GetItem, conditional UpdateItem, Query, BatchWriteItem of
 * tombstones then deletes, DeleteItem), on streams seeded alike (through the store, appends of 10
 * events of ~250 bytes). DynamoDB calls per deletion are counted: the store's and the raw
 * baseline's with an SDK middleware on their own clients, the gateway's from its /metrics.
 */
import { type DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDynamoEventStore, type TenantEventStore } from '../../src/store/index.js';
import { streamListPk, streamListSk, streamPk } from '../../src/store/keys.js';
import { streamIdForName } from '../../src/store/stream-id.js';
import { CallCounter, callsBetween, totalCalls } from '../lib/call-counter.js';
import { graphql } from '../lib/gateway.js';
import { RawDeleter } from '../lib/raw-deleter.js';
import { median, medianOf, round, summarize } from '../lib/stats.js';

const deleteMutation = `mutation Delete($input: DeleteStreamInput!) {
  deleteStream(input: $input) {
    __typename
    ... on DeleteStreamSuccess { deletedEvents }
    ... on Error { message }
  }
}`;

const variants = ['raw', 'store', 'graphql'] as const;
type Variant = (typeof variants)[number];

export interface DeleteStats extends Record<string, number> {
  deletions: number;
  deletionsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** DynamoDB calls per deletion. */
  calls: number;
}

export interface DeleteRow {
  events: number;
  streamsPerRepetition: number;
  raw: DeleteStats;
  store: DeleteStats;
  graphql: DeleteStats;
  /** eventloom deletions/s over raw deletions/s. */
  ratioStore: number;
  ratioGraphql: number;
  /** DynamoDB calls per deletion by operation (median over repetitions). */
  callsByOperation: Record<Variant, Record<string, number>>;
}

export interface DeleteScenarioOptions {
  gatewayUrl: string;
  metricsUrl: string;
  headers: Record<string, string>;
  /** A new DynamoDB client on the benchmark's DynamoDB (one for the store, one for the baseline). */
  newClient: () => DynamoDBClient;
  /** A client for checks outside the measurements. */
  client: DynamoDBClient;
  tablePrefix: string;
  table: string;
  tenant: string;
  /** A store on the same table, to seed the streams. */
  seeder: TenantEventStore;
  /** Stream sizes (events) and how many streams of each size one repetition deletes per variant. */
  sizes: Array<{ events: number; streams: number }>;
  repetitions: number;
  log: (line: string) => void;
}

/** The gateway's DynamoDB calls so far, by operation, from its /metrics. */
async function gatewayCalls(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const calls: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^eventloom_dynamodb_calls_total\{operation="([^"]+)"\} (\S+)$/.exec(line);
    if (match?.[1]) calls[match[1]] = Number(match[2]);
  }
  return calls;
}

function payload(n: number) {
  // ~250 bytes of JSON per event, as in the appends scenario.
  return { n, at: '2026-11-27T00:00:00.000Z', pad: 'x'.repeat(200) };
}

/** Seeds every named stream with `events` events in appends of 10, 32 streams at a time. */
async function seed(store: TenantEventStore, names: readonly string[], events: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      for (let start = 0; start < events; start += 10) {
        const count = Math.min(10, events - start);
        await store.append({
          stream: { name },
          events: Array.from({ length: count }, (_, k) => ({ type: 'Seeded', data: payload(start + k) })),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, names.length) }, worker));
}

/** Checks (outside the measurement) that a deleted stream left no item and no listing entry. */
async function checkGone(client: DynamoDBClient, table: string, tenant: string, name: string) {
  const stream = { id: streamIdForName(name), category: null };
  const left = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': streamPk(tenant, stream) }),
      Select: 'COUNT',
      ConsistentRead: true,
    }),
  );
  const listing = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: marshall({ pk: streamListPk(tenant), sk: streamListSk(stream) }),
      ConsistentRead: true,
    }),
  );
  if ((left.Count ?? 0) > 0 || listing.Item) {
    throw new Error(
      `stream ${name} not deleted: ${left.Count} items left, listing ${listing.Item ? 'kept' : 'gone'}`,
    );
  }
}

export async function deleteScenario(options: DeleteScenarioOptions): Promise<DeleteRow[]> {
  const storeCounter = new CallCounter();
  const rawCounter = new CallCounter();
  const storeClient = storeCounter.attach(options.newClient());
  const rawClient = rawCounter.attach(options.newClient());
  const store = createDynamoEventStore({ client: storeClient, tablePrefix: options.tablePrefix });
  const tenantStore = store.forTenant(options.tenant);
  const raw = new RawDeleter(rawClient, options.table, options.tenant);

  const deleteOne: Record<Variant, (name: string) => Promise<number>> = {
    raw: (name) => raw.deleteStream(name),
    store: async (name) => (await tenantStore.deleteStream({ name })).deletedEvents,
    graphql: async (name) => {
      const data = await graphql<{
        deleteStream: { __typename: string; deletedEvents?: number; message?: string };
      }>(options.gatewayUrl, deleteMutation, { input: { stream: { name } } }, options.headers);
      if (data.deleteStream.__typename !== 'DeleteStreamSuccess') {
        throw new Error(`deleteStream: ${data.deleteStream.__typename} ${data.deleteStream.message ?? ''}`);
      }
      return data.deleteStream.deletedEvents ?? 0;
    },
  };
  const callsSoFar: Record<Variant, () => Promise<Record<string, number>>> = {
    raw: async () => rawCounter.snapshot(),
    store: async () => storeCounter.snapshot(),
    graphql: () => gatewayCalls(options.metricsUrl),
  };

  const rows: DeleteRow[] = [];
  try {
    // Warm-up (not measured): one deletion per variant, so that no measurement pays for JIT
    // compilation or for opening connections.
    const warmUp = variants.map((variant) => `del-warmup-${variant}`);
    await seed(options.seeder, warmUp, 10);
    for (const variant of variants) await deleteOne[variant](`del-warmup-${variant}`);
    for (const { events, streams } of options.sizes) {
      const nameOf = (variant: Variant, rep: number, index: number) =>
        `del-${variant}-n${events}-r${rep}-${index}`;
      const names = variants.flatMap((variant) =>
        Array.from({ length: options.repetitions }, (_, rep) =>
          Array.from({ length: streams }, (_, index) => nameOf(variant, rep, index)),
        ).flat(),
      );
      const seedStarted = performance.now();
      await seed(options.seeder, names, events);
      options.log(
        `  deletes n=${events}: seeded ${names.length} streams in ${round((performance.now() - seedStarted) / 1000)} s`,
      );
      const runs: Record<Variant, DeleteStats[]> = { raw: [], store: [], graphql: [] };
      const operationRuns: Record<Variant, Array<Record<string, number>>> = {
        raw: [],
        store: [],
        graphql: [],
      };
      for (let rep = 0; rep < options.repetitions; rep++) {
        // Rotate the order, so that no variant always runs first (or last) on a noisy machine.
        const order = variants.map((_, k) => variants[(k + rep) % variants.length] as Variant);
        for (const variant of order) {
          const latencies: number[] = [];
          const before = await callsSoFar[variant]();
          const started = performance.now();
          for (let index = 0; index < streams; index++) {
            const begin = performance.now();
            const deleted = await deleteOne[variant](nameOf(variant, rep, index));
            latencies.push(performance.now() - begin);
            if (deleted !== events)
              throw new Error(`${variant} deleted ${deleted} events, expected ${events}`);
          }
          const seconds = (performance.now() - started) / 1000;
          const calls = callsBetween(before, await callsSoFar[variant]());
          const perDeletion = Object.fromEntries(
            Object.entries(calls).map(([operation, count]) => [operation, count / streams]),
          );
          await checkGone(options.client, options.table, options.tenant, nameOf(variant, rep, streams - 1));
          const summary = summarize(latencies);
          runs[variant].push({
            deletions: streams,
            deletionsPerSecond: streams / seconds,
            p50: summary.p50,
            p99: summary.p99,
            max: summary.max,
            calls: totalCalls(perDeletion),
          });
          operationRuns[variant].push(perDeletion);
        }
        const last = (variant: Variant) => runs[variant].at(-1) as DeleteStats;
        options.log(
          `  deletes n=${events} rep ${rep + 1}: ${variants
            .map(
              (variant) =>
                `${variant} ${round(last(variant).deletionsPerSecond, 2)}/s p50 ${round(last(variant).p50)} ms (${round(last(variant).calls, 1)} calls)`,
            )
            .join(' | ')}`,
        );
      }
      const medians = {
        raw: medianOf(runs.raw),
        store: medianOf(runs.store),
        graphql: medianOf(runs.graphql),
      };
      const byOperation = (variant: Variant) => {
        const operations = new Set(operationRuns[variant].flatMap((run) => Object.keys(run)));
        return Object.fromEntries(
          [...operations]
            .sort()
            .map((operation) => [
              operation,
              median(operationRuns[variant].map((run) => run[operation] ?? 0)),
            ]),
        );
      };
      rows.push({
        events,
        streamsPerRepetition: streams,
        ...medians,
        ratioStore: medians.store.deletionsPerSecond / medians.raw.deletionsPerSecond,
        ratioGraphql: medians.graphql.deletionsPerSecond / medians.raw.deletionsPerSecond,
        callsByOperation: {
          raw: byOperation('raw'),
          store: byOperation('store'),
          graphql: byOperation('graphql'),
        },
      });
    }
  } finally {
    await store.close();
    storeClient.destroy();
    rawClient.destroy();
  }
  return rows;
}
