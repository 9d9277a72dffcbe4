/**
 * Multi-stream appends (issue 16): one atomic append of 1 event to each of k streams per call,
 * with expected versions (the streams are versioned, as a transfer between accounts would be),
 * three ways: `TenantEventStore.appendToStreams` in the bench process (the gateway's DynamoDB
 * client settings), GraphQL `appendToStreams` over keep-alive HTTP to the gateway (a child
 * process), and the raw baseline of one TransactWriteItems per call
 * (bench/lib/raw-multi-appender.ts).
 *
 * Each worker is one caller in a loop. Without overlap, each worker appends to its own k
 * streams, so no call can meet a version conflict; with overlap, each call draws k distinct
 * streams from a pool shared by all workers. The callers of one variant share what they know
 * of the versions (one client process): a refused call learns the actual version of the
 * stream it names and is sent again, and the conflict rate is the share of attempts refused.
 * The raw client learns every moved head from the cancellation reasons.
 */
import { loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../src/config.js';
import { createDynamoDbClient, localCredentials } from '../../src/dynamodb/client.js';
import {
  createDynamoEventStore,
  type TenantEventStore,
  WrongExpectedVersionError,
} from '../../src/store/index.js';
import { streamIdForName } from '../../src/store/stream-id.js';
import { seededRandom } from '../../test/support/random.js';
import { CallCounter, callsBetween } from '../lib/call-counter.js';
import { graphql } from '../lib/gateway.js';
import { callsByOperation } from '../lib/metrics-scrape.js';
import { RawMultiAppender } from '../lib/raw-multi-appender.js';
import { median, medianOf, percentile, round } from '../lib/stats.js';

const mutation = `mutation AppendToStreams($input: AppendToStreamsInput!) {
  appendToStreams(input: $input) {
    __typename
    ... on AppendToStreamsSuccess { appends { events { position } } }
    ... on WrongExpectedVersionError { streamId actualVersion }
    ... on Error { message }
  }
}`;

export type MultiStreamVariant = 'store' | 'graphql' | 'raw';
const variants: readonly MultiStreamVariant[] = ['raw', 'store', 'graphql'];

export interface MultiStreamCase {
  streams: number;
  concurrency: number;
  /** Streams shared by all workers, each call drawing `streams` of them; absent: each worker its own. */
  overlapPool?: number;
}

export interface MultiStreamRow extends Record<string, number> {
  calls: number;
  callsPerSecond: number;
  eventsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Attempts refused because a stream had moved (eventloom: WrongExpectedVersionError; raw: a head's condition). */
  conflicts: number;
  /** conflicts ÷ (conflicts + calls). */
  conflictRate: number;
  /** Calls that failed otherwise: none is expected. */
  errors: number;
  /** TransactWriteItems per call (1: no retry). */
  transactionsPerCall: number;
  /** Other DynamoDB calls per call (reads). */
  otherCallsPerCall: number;
}

export interface MultiStreamResult {
  case: MultiStreamCase;
  median: Record<MultiStreamVariant, MultiStreamRow>;
  /** eventloom calls/s ÷ raw calls/s, from the medians. */
  storeRatio: number;
  graphqlRatio: number;
  /** Each repetition's rows, with the DynamoDB calls behind them by operation. */
  runs: Array<Record<MultiStreamVariant, Measured>>;
  loadAverages: number[];
}

export interface MultiStreamOptions {
  gatewayUrl: string;
  metricsUrl: string;
  headers: Record<string, string>;
  /** The tenant behind `headers`; the in-process store uses another, so the two never contend. */
  storeTenant: string;
  dynamoEndpoint: string;
  tablePrefix: string;
  table: string;
  cases: readonly MultiStreamCase[];
  durationMs: number;
  warmupMs: number;
  repetitions: number;
  log: (line: string) => void;
}

interface StreamAppend {
  name: string;
  expectedVersion: number;
  events: Array<{ type: string; data: unknown }>;
}

/** What one attempt came to: committed, or refused on a stream at `actualVersion`. */
type Attempt = { committed: true } | { committed: false; streamId: string; actualVersion: number };

/** The callers of one variant: a call is retried after refusals until it commits. */
interface Caller {
  call(names: readonly string[], n: number): Promise<void>;
  /** Refused attempts so far, over all callers. */
  refusals(): number;
}

const maxRefusals = 1000;

function payload(n: number) {
  // ~250 bytes of JSON per event, as in the appends scenario.
  return { n, at: '2026-11-27T00:00:00.000Z', pad: 'x'.repeat(200) };
}

/**
 * An eventloom caller: what the callers of one process know of the versions, and the loop of
 * a versioned client (send, learn the version of the stream a refusal names, send again).
 */
function versionedCaller(send: (appends: StreamAppend[]) => Promise<Attempt>): Caller {
  const versions = new Map<string, number>();
  const names = new Map<string, string>();
  let refusals = 0;
  const learn = (name: string, version: number) => {
    if (version > (versions.get(name) ?? 0)) versions.set(name, version);
  };
  const call = async (streams: readonly string[], n: number) => {
    for (const name of streams) names.set(streamIdForName(name), name);
    for (let attempt = 0; attempt < maxRefusals; attempt++) {
      const appends = streams.map((name) => ({
        name,
        expectedVersion: versions.get(name) ?? 0,
        events: [{ type: 'BenchEvent', data: payload(n) }],
      }));
      const attempt = await send(appends);
      if (attempt.committed) {
        for (const append of appends) learn(append.name, append.expectedVersion + append.events.length);
        return;
      }
      refusals++;
      const refused = names.get(attempt.streamId);
      if (refused === undefined) throw new Error(`refused on a stream not in the call: ${attempt.streamId}`);
      // Set, not learned: a refusal is the truth now, even below what a stale answer taught.
      versions.set(refused, attempt.actualVersion);
    }
    throw new Error(`still refused after ${maxRefusals} attempts`);
  };
  return { call, refusals: () => refusals };
}

function storeSender(store: TenantEventStore) {
  return async (appends: StreamAppend[]): Promise<Attempt> => {
    try {
      await store.appendToStreams({
        appends: appends.map(({ name, expectedVersion, events }) => ({
          stream: { name },
          expectedVersion,
          events,
        })),
      });
      return { committed: true };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || error.streamId === undefined) throw error;
      return { committed: false, streamId: error.streamId, actualVersion: error.actualVersion };
    }
  };
}

type MutationAnswer = { __typename: string; streamId?: string; actualVersion?: number; message?: string };

function graphqlSender(options: MultiStreamOptions) {
  return async (appends: StreamAppend[]): Promise<Attempt> => {
    const input = {
      appends: appends.map(({ name, expectedVersion, events }) => ({
        stream: { name },
        expectedVersion,
        events,
      })),
    };
    const data = await graphql<{ appendToStreams: MutationAnswer }>(
      options.gatewayUrl,
      mutation,
      { input },
      options.headers,
    );
    const answer = data.appendToStreams;
    if (answer.__typename === 'AppendToStreamsSuccess') return { committed: true };
    if (
      answer.__typename === 'WrongExpectedVersionError' &&
      answer.streamId &&
      answer.actualVersion !== undefined
    ) {
      return { committed: false, streamId: answer.streamId, actualVersion: answer.actualVersion };
    }
    throw new Error(`${answer.__typename}: ${answer.message ?? ''}`);
  };
}

/** The streams of a worker's calls: its own k, or k distinct ones drawn from the shared pool. */
function streamsOf(run: string, testCase: MultiStreamCase, worker: number, seed: number): () => string[] {
  const { streams, overlapPool } = testCase;
  if (overlapPool === undefined) {
    const own = Array.from({ length: streams }, (_, j) => `${run}-w${worker}-s${j}`);
    return () => own;
  }
  // Seeded, so that every variant draws the same sequences.
  const random = seededRandom(seed * 1000 + worker + 1);
  return () => {
    const drawn = new Set<number>();
    while (drawn.size < streams) drawn.add(Math.floor(random() * overlapPool));
    return [...drawn].map((index) => `${run}-p${index}`);
  };
}

/** One measurement: its row, and the DynamoDB calls behind it by operation. */
export interface Measured {
  row: MultiStreamRow;
  calls: Record<string, number>;
}

interface Driven {
  latencies: number[];
  conflicts: number;
  errors: number;
  seconds: number;
}

async function drive(
  testCase: MultiStreamCase,
  run: string,
  seed: number,
  durationMs: number,
  caller: Caller,
  log: (line: string) => void,
): Promise<Driven> {
  const driven: Driven = { latencies: [], conflicts: 0, errors: 0, seconds: 0 };
  const started = performance.now();
  const deadline = started + durationMs;
  const refusedBefore = caller.refusals();
  await Promise.all(
    Array.from({ length: testCase.concurrency }, async (_, worker) => {
      const next = streamsOf(run, testCase, worker, seed);
      for (let n = 0; performance.now() < deadline; n++) {
        const begin = performance.now();
        try {
          await caller.call(next(), n);
          driven.latencies.push(performance.now() - begin);
        } catch (error) {
          if (driven.errors++ === 0) log(`  first error (${run}): ${String(error).slice(0, 300)}`);
        }
      }
    }),
  );
  driven.seconds = (performance.now() - started) / 1000;
  driven.conflicts = caller.refusals() - refusedBefore;
  return driven;
}

function rowOf(
  testCase: MultiStreamCase,
  driven: Driven,
  dynamoCalls: Record<string, number>,
): MultiStreamRow {
  const calls = driven.latencies.length;
  const transactions = dynamoCalls.TransactWriteItems ?? 0;
  const other = Object.values(dynamoCalls).reduce((sum, count) => sum + count, 0) - transactions;
  return {
    calls,
    callsPerSecond: calls / driven.seconds,
    eventsPerSecond: (calls * testCase.streams) / driven.seconds,
    p50: percentile(driven.latencies, 50),
    p95: percentile(driven.latencies, 95),
    p99: percentile(driven.latencies, 99),
    conflicts: driven.conflicts,
    conflictRate: driven.conflicts / Math.max(1, driven.conflicts + calls),
    errors: driven.errors,
    transactionsPerCall: transactions / Math.max(1, calls),
    otherCallsPerCall: other / Math.max(1, calls),
  };
}

/** The variants' clients: the store on its own counted client, the raw baseline on another. */
function setUp(options: MultiStreamOptions) {
  const config = loadConfig({ DYNAMODB_ENDPOINT: options.dynamoEndpoint, LOG_LEVEL: 'warn' });
  const storeCounter = new CallCounter();
  const storeClient = storeCounter.attach(createDynamoDbClient(config));
  const store = createDynamoEventStore({ client: storeClient, tablePrefix: options.tablePrefix }).forTenant(
    options.storeTenant,
  );
  const rawCounter = new CallCounter();
  // As fast as the SDK goes: the middleware stack resolved once per command, as the gateway's client does.
  const rawClient = rawCounter.attach(
    new DynamoDBClient({
      endpoint: options.dynamoEndpoint,
      region: 'local',
      credentials: localCredentials,
      cacheMiddleware: true,
    }),
  );
  const counted = async (
    counter: CallCounter | null,
    work: () => Promise<Driven>,
  ): Promise<{ driven: Driven; calls: Record<string, number> }> => {
    const before = counter ? counter.snapshot() : await callsByOperation(options.metricsUrl);
    const driven = await work();
    const after = counter ? counter.snapshot() : await callsByOperation(options.metricsUrl);
    return { driven, calls: callsBetween(before, after) };
  };
  const measure = async (
    variant: MultiStreamVariant,
    testCase: MultiStreamCase,
    run: string,
    seed: number,
    durationMs: number,
  ): Promise<Measured> => {
    const name = `${variant}-${run}`;
    if (variant === 'raw') {
      const raw = new RawMultiAppender(rawClient, options.table, `ms-raw-${run}`);
      const caller: Caller = {
        call: async (streams, n) => {
          await raw.appendToStreams(
            streams.map((stream) => ({ name: stream, events: [{ type: 'BenchEvent', data: payload(n) }] })),
          );
        },
        refusals: () => raw.versionConflicts,
      };
      const { driven, calls } = await counted(rawCounter, () =>
        drive(testCase, name, seed, durationMs, caller, options.log),
      );
      return { row: rowOf(testCase, driven, calls), calls };
    }
    const caller = versionedCaller(variant === 'store' ? storeSender(store) : graphqlSender(options));
    const { driven, calls } = await counted(variant === 'store' ? storeCounter : null, () =>
      drive(testCase, name, seed, durationMs, caller, options.log),
    );
    return { row: rowOf(testCase, driven, calls), calls };
  };
  return {
    measure,
    close: () => {
      storeClient.destroy();
      rawClient.destroy();
    },
  };
}

function caseLabel({ streams, concurrency, overlapPool }: MultiStreamCase): string {
  const overlap = overlapPool === undefined ? 'own streams' : `overlapping, pool of ${overlapPool}`;
  return `k=${streams} c=${concurrency} (${overlap})`;
}

function describe({ row, calls }: Measured): string {
  const conflicts = row.conflicts ? `, ${row.conflicts} conflicts (${round(row.conflictRate * 100)}%)` : '';
  const errors = row.errors ? `, ${row.errors} errors` : '';
  return `${round(row.callsPerSecond, 0)} calls/s p50 ${round(row.p50)} p99 ${round(row.p99)} ms, ${round(row.transactionsPerCall, 2)} tx/call${conflicts}${errors} [${Object.entries(
    calls,
  )
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ')}]`;
}

export async function multiStreamScenario(options: MultiStreamOptions): Promise<MultiStreamResult[]> {
  const clients = setUp(options);
  const results: MultiStreamResult[] = [];
  try {
    // Not measured: the first seconds of a fresh process and DynamoDB Local are several times slower.
    for (const variant of variants) {
      await clients.measure(variant, { streams: 2, concurrency: 1 }, 'warmup', 0, options.warmupMs);
    }
    for (const testCase of options.cases) {
      const runs: Array<Record<MultiStreamVariant, Measured>> = [];
      const loadAverages: number[] = [];
      for (let rep = 0; rep < options.repetitions; rep++) {
        const run = `k${testCase.streams}-c${testCase.concurrency}${testCase.overlapPool ? `-o${testCase.overlapPool}` : ''}-r${rep}`;
        loadAverages.push(loadavg()[0] ?? Number.NaN);
        const rows: Partial<Record<MultiStreamVariant, Measured>> = {};
        // The order rotates with the repetition: what runs first meets another machine.
        for (let i = 0; i < variants.length; i++) {
          const variant = variants[(rep + i) % variants.length]!;
          rows[variant] = await clients.measure(variant, testCase, run, rep + 1, options.durationMs);
        }
        const measured = rows as Record<MultiStreamVariant, Measured>;
        runs.push(measured);
        options.log(
          `  ${caseLabel(testCase)} rep ${rep + 1} (load ${round(loadAverages.at(-1) ?? 0, 2)}): store ${describe(measured.store)} | GraphQL ${describe(measured.graphql)} | raw ${describe(measured.raw)}`,
        );
      }
      const medians = {
        store: medianOf(runs.map((run) => run.store.row)),
        graphql: medianOf(runs.map((run) => run.graphql.row)),
        raw: medianOf(runs.map((run) => run.raw.row)),
      };
      results.push({
        case: testCase,
        median: medians,
        storeRatio: medians.store.callsPerSecond / medians.raw.callsPerSecond,
        graphqlRatio: medians.graphql.callsPerSecond / medians.raw.callsPerSecond,
        runs,
        loadAverages,
      });
    }
  } finally {
    clients.close();
  }
  return results;
}

/** The per-repetition ratios' median, beside the ratio of the medians (they can differ). */
export function ratioOfRuns(result: MultiStreamResult, variant: 'store' | 'graphql'): number {
  return median(result.runs.map((run) => run[variant].row.callsPerSecond / run.raw.row.callsPerSecond));
}
