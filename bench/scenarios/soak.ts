/**
 * Soak: appends at a steady rate from several writers through GraphQL for many minutes, while
 * graphql-ws subscribers select `stream` (`id type data version position recordedAt
 * stream { id name category version }`), every second one filtered to one of the two event types
 * the writers alternate. First a window with the same writers and no subscriber, for the
 * writers' append latency without deliveries.
 *
 * Checks, against the positions the appends were acknowledged with: every subscriber receives
 * exactly the acknowledged events after the position it subscribed after that its filter
 * selects, in position order (none missing, none repeated, none out of order, none that was not
 * acknowledged), each with the acknowledged id, type, version and stream, and `stream.version`
 * at least the event's version. Samples the gateway's RSS and DynamoDB calls every 30 s.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../lib/gateway.js';
import { scrapeSum } from '../lib/metrics-scrape.js';
import { type LatencySummary, round, summarize } from '../lib/stats.js';
import { type StreamDelivery, streamSubscription } from './live.js';

const appendMutation = `mutation Append($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess { events { id position version type } stream { id } }
    ... on Error { message }
  }
}`;
const types = ['SoakA', 'SoakB'] as const;
const category = 'soak';
const streamsPerWriter = 10;
const padding = 'x'.repeat(150);

export interface SoakOptions {
  gatewayUrl: string;
  wsUrl: string;
  metricsUrl: string;
  key: string;
  minutes: number;
  baselineSeconds: number;
  /** Writers before the baseline, not measured. */
  warmupSeconds: number;
  writers: number;
  /** In total, over all writers. */
  appendsPerSecond: number;
  subscribers: number;
  rss: () => Promise<number>;
  log: (line: string) => void;
  /** How long to wait for the last deliveries after the last append (default 60 s). */
  drainMs?: number;
  /** Default 30 s. */
  sampleEveryMs?: number;
}

export interface SoakSample {
  /** Seconds since the soak's writers started. */
  atSeconds: number;
  rssMiB: number;
  queriesPerSecond: number;
  batchGetsPerSecond: number;
  dynamoErrors: number;
  acknowledged: number;
  deliveries: number;
  load1: number;
}

export interface SoakChecks {
  /** Acknowledged events after the subscription point a subscriber did not receive (over all subscribers). */
  missing: number;
  /** Deliveries at or before the subscriber's previous position: repeated or out of order. */
  duplicatesOrReorders: number;
  /** Deliveries of positions no append was acknowledged with. */
  unacknowledged: number;
  /** Deliveries a filtered subscriber should not have had (the other type). */
  filterViolations: number;
  /** Deliveries whose id, type, version, stream id, name or category differ from the acknowledged append. */
  contentMismatches: number;
  /** Deliveries with stream.version < version. */
  versionViolations: number;
  /** Subscribers whose received positions are exactly their expected positions, in order. */
  exactSubscribers: number;
  /** GraphQL errors in deliveries, and subscriptions that ended with an error or completed early. */
  deliveryErrors: number;
  subscriptionsEnded: number;
  appendErrors: number;
  allHeld: boolean;
}

export interface SoakResult {
  minutes: number;
  baselineSeconds: number;
  writers: number;
  appendsPerSecond: number;
  subscribers: number;
  filteredSubscribers: number;
  subscribedAfter: number;
  lastPosition: number;
  appends: { baseline: LatencySummary; soak: LatencySummary; p50Ratio: number; p99Ratio: number };
  appendRate: { baseline: number; soak: number };
  expectedDeliveries: number;
  deliveries: number;
  delivery: LatencySummary;
  drainMs: number;
  rss: { firstMiB: number; lastMiB: number; minMiB: number; maxMiB: number };
  calls: { queriesPerSecond: number; batchGetsPerSecond: number; baselineQueriesPerSecond: number };
  samples: SoakSample[];
  checks: SoakChecks;
  appendErrorMessages: string[];
  load1: { baselineStart: number; soakStart: number; soakEnd: number };
}

interface Ack {
  signature: string;
  type: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function soakScenario(options: SoakOptions): Promise<SoakResult> {
  const { log } = options;
  const headers = { authorization: `Bearer ${options.key}` };
  const run = randomUUID();
  const acks = new Map<number, Ack>();
  const appendErrorMessages: string[] = [];
  let appendErrors = 0;

  const scrape = async () => ({
    query: await scrapeSum(options.metricsUrl, 'eventloom_dynamodb_calls_total', 'operation="Query"'),
    batchGet: await scrapeSum(
      options.metricsUrl,
      'eventloom_dynamodb_calls_total',
      'operation="BatchGetItem"',
    ),
    errors: await scrapeSum(options.metricsUrl, 'eventloom_dynamodb_errors_total'),
  });

  /** The writers, each at its share of the rate (open loop: an append is sent when due). */
  async function write(durationMs: number, latencies: number[]): Promise<number> {
    const interval = (1000 * options.writers) / options.appendsPerSecond;
    const started = performance.now();
    let sentTotal = 0;
    await Promise.all(
      Array.from({ length: options.writers }, async (_, writer) => {
        const sends: Promise<void>[] = [];
        const offset = (writer * interval) / options.writers;
        for (let seq = 0; ; seq++) {
          const due = started + offset + seq * interval;
          if (due - started >= durationMs) break;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const type = types[seq % 2]!;
          const name = `${run.slice(0, 8)}-w${writer}-s${seq % streamsPerWriter}`;
          const id = randomUUID();
          const sentAt = performance.timeOrigin + performance.now();
          const sent = performance.now();
          sentTotal++;
          sends.push(
            graphql<{
              appendEvents: {
                __typename: string;
                message?: string;
                events?: Array<{ id: string; position: number; version: number; type: string }>;
                stream?: { id: string };
              };
            }>(
              options.gatewayUrl,
              appendMutation,
              {
                input: {
                  stream: { category, name },
                  events: [{ id, type, data: { run, writer, seq, sentAt, padding } }],
                },
              },
              headers,
            ).then(
              ({ appendEvents: result }) => {
                latencies.push(performance.now() - sent);
                const event = result.events?.[0];
                if (result.__typename !== 'AppendEventsSuccess' || !event || !result.stream) {
                  appendErrors++;
                  if (appendErrorMessages.length < 5)
                    appendErrorMessages.push(`${result.__typename}: ${result.message ?? ''}`);
                  return;
                }
                acks.set(event.position, {
                  type: event.type,
                  signature: [event.id, event.type, event.version, result.stream.id, name, category].join(
                    '|',
                  ),
                });
              },
              (error: unknown) => {
                appendErrors++;
                if (appendErrorMessages.length < 5) appendErrorMessages.push(String(error).slice(0, 300));
              },
            ),
          );
        }
        await Promise.all(sends);
      }),
    );
    return sentTotal / ((performance.now() - started) / 1000);
  }

  const head = async () =>
    (await graphql<{ head: number }>(options.gatewayUrl, '{ head }', {}, headers)).head;

  // 0. Warm-up, not measured: a fresh gateway's first appends are slow (JIT, connections, first
  // appends to the writers' streams).
  log(`  warm-up: ${options.warmupSeconds} s of the same writers, not measured`);
  await write(options.warmupSeconds * 1000, []);

  // 1. The writers alone.
  const load1BaselineStart = loadavg()[0] ?? Number.NaN;
  log(`  baseline: ${options.baselineSeconds} s without subscribers (load ${round(load1BaselineStart, 2)})`);
  const baselineLatencies: number[] = [];
  const baselineCalls = await scrape();
  const baselineStarted = performance.now();
  const baselineRate = await write(options.baselineSeconds * 1000, baselineLatencies);
  const baselineCallsAfter = await scrape();
  const baselineQueriesPerSecond =
    (baselineCallsAfter.query - baselineCalls.query) / ((performance.now() - baselineStarted) / 1000);
  const baseline = summarize(baselineLatencies);
  log(
    `  baseline: ${baselineLatencies.length} appends (${round(baselineRate)}/s), p50 ${round(baseline.p50)} ms, p99 ${round(baseline.p99)} ms`,
  );

  // 2. Subscribers, after the head: every event from here on is one of the soak's appends.
  const subscribedAfter = await head();
  const filtered = (index: number) => index % 2 === 1;
  const received: number[][] = Array.from({ length: options.subscribers }, () => []);
  const deliveredSignatures = new Map<number, string>();
  const deliveryLatencies: number[] = [];
  let deliveries = 0;
  let duplicatesOrReorders = 0;
  let filterViolations = 0;
  let versionViolations = 0;
  let contentMismatches = 0;
  let deliveryErrors = 0;
  let subscriptionsEnded = 0;
  let writing = true;
  const clients = Array.from({ length: options.subscribers }, () =>
    createClient({
      url: options.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: headers,
      lazy: false,
      retryAttempts: 0,
    }),
  );
  const unsubscribers = clients.map((client, index) => {
    const positions = received[index]!;
    let last = subscribedAfter;
    return client.subscribe<{ events: StreamDelivery }>(
      {
        query: streamSubscription,
        variables: {
          after: subscribedAfter,
          ...(filtered(index) ? { filter: { types: [types[0]] } } : {}),
        },
      },
      {
        next: (result) => {
          if (result.errors?.length) deliveryErrors++;
          const event = result.data?.events;
          if (!event) return;
          deliveries++;
          positions.push(event.position);
          if (event.position <= last) duplicatesOrReorders++;
          last = Math.max(last, event.position);
          if (typeof event.data.sentAt === 'number')
            deliveryLatencies.push(performance.timeOrigin + performance.now() - event.data.sentAt);
          if (filtered(index) && event.type !== types[0]) filterViolations++;
          if (!(event.stream.version >= event.version)) versionViolations++;
          const signature = [
            event.id,
            event.type,
            event.version,
            event.stream.id,
            event.stream.name,
            event.stream.category,
          ].join('|');
          const seen = deliveredSignatures.get(event.position);
          if (seen === undefined) deliveredSignatures.set(event.position, signature);
          else if (seen !== signature) contentMismatches++;
        },
        error: () => {
          subscriptionsEnded++;
        },
        complete: () => {
          if (writing) subscriptionsEnded++;
        },
      },
    );
  });
  await Promise.all(
    clients.map((client) => new Promise<void>((resolve) => client.on('connected', () => resolve()))),
  );
  await sleep(1000);

  // 3. The soak: the same writers, sampling the gateway every 30 s.
  const samples: SoakSample[] = [];
  const soakLatencies: number[] = [];
  const soakStarted = performance.now();
  let previous = { ...(await scrape()), at: soakStarted };
  const sample = async () => {
    const now = performance.now();
    const acknowledged = acks.size;
    const delivered = deliveries;
    const calls = await scrape();
    const seconds = (now - previous.at) / 1000;
    samples.push({
      atSeconds: round((now - soakStarted) / 1000, 1),
      rssMiB: (await options.rss()) / 2 ** 20,
      queriesPerSecond: seconds > 0 ? (calls.query - previous.query) / seconds : 0,
      batchGetsPerSecond: seconds > 0 ? (calls.batchGet - previous.batchGet) / seconds : 0,
      dynamoErrors: calls.errors,
      acknowledged,
      deliveries: delivered,
      load1: loadavg()[0] ?? Number.NaN,
    });
    previous = { ...calls, at: now };
    const last = samples.at(-1)!;
    log(
      `  ${last.atSeconds} s: RSS ${round(last.rssMiB, 0)} MiB, Query/s ${round(last.queriesPerSecond)}, BatchGetItem/s ${round(last.batchGetsPerSecond)}, acknowledged ${last.acknowledged}, deliveries ${last.deliveries}, load ${round(last.load1, 2)}`,
    );
  };
  const load1SoakStart = loadavg()[0] ?? Number.NaN;
  log(
    `  soak: ${options.minutes} min, ${options.subscribers} subscribers after position ${subscribedAfter} (load ${round(load1SoakStart, 2)})`,
  );
  await sample();
  const sampler = setInterval(() => void sample(), options.sampleEveryMs ?? 30_000);
  const soakRate = await write(options.minutes * 60_000, soakLatencies);
  clearInterval(sampler);
  const soakCalls = await scrape();
  const soakSeconds = (performance.now() - soakStarted) / 1000;
  const load1SoakEnd = loadavg()[0] ?? Number.NaN;

  // 4. The last deliveries.
  const lastPosition = await head();
  const expectedOf = (index: number) => {
    const positions: number[] = [];
    for (const [position, ack] of acks)
      if (position > subscribedAfter && (!filtered(index) || ack.type === types[0])) positions.push(position);
    return positions.sort((a, b) => a - b);
  };
  const expectedCounts = received.map((_, index) => expectedOf(index).length);
  const expectedDeliveries = expectedCounts.reduce((sum, count) => sum + count, 0);
  const drainStarted = performance.now();
  const deadline = Date.now() + (options.drainMs ?? 60_000);
  while (deliveries < expectedDeliveries && Date.now() < deadline) await sleep(100);
  await sleep(500); // anything beyond the expected would show up now
  const drainMs = performance.now() - drainStarted;
  await sample();
  writing = false;
  for (const unsubscribe of unsubscribers) unsubscribe();
  await Promise.all(clients.map((client) => client.dispose()));

  // 5. Checks.
  let missing = 0;
  let unacknowledged = 0;
  let exactSubscribers = 0;
  received.forEach((positions, index) => {
    const expected = expectedOf(index);
    const got = new Set(positions);
    for (const position of expected) if (!got.has(position)) missing++;
    for (const position of positions) if (!acks.has(position)) unacknowledged++;
    if (positions.length === expected.length && positions.every((position, at) => position === expected[at]))
      exactSubscribers++;
  });
  for (const [position, signature] of deliveredSignatures) {
    const ack = acks.get(position);
    if (ack && ack.signature !== signature) contentMismatches++;
  }
  const checks: SoakChecks = {
    missing,
    duplicatesOrReorders,
    unacknowledged,
    filterViolations,
    contentMismatches,
    versionViolations,
    exactSubscribers,
    deliveryErrors,
    subscriptionsEnded,
    appendErrors,
    allHeld: false,
  };
  checks.allHeld =
    missing +
      duplicatesOrReorders +
      unacknowledged +
      filterViolations +
      contentMismatches +
      versionViolations ===
      0 &&
    exactSubscribers === options.subscribers &&
    deliveryErrors + subscriptionsEnded + appendErrors === 0 &&
    lastPosition === [...acks.keys()].reduce((max, position) => Math.max(max, position), subscribedAfter);

  const soak = summarize(soakLatencies);
  const rssValues = samples.map((s) => s.rssMiB);
  return {
    minutes: options.minutes,
    baselineSeconds: options.baselineSeconds,
    writers: options.writers,
    appendsPerSecond: options.appendsPerSecond,
    subscribers: options.subscribers,
    filteredSubscribers: received.filter((_, index) => filtered(index)).length,
    subscribedAfter,
    lastPosition,
    appends: { baseline, soak, p50Ratio: soak.p50 / baseline.p50, p99Ratio: soak.p99 / baseline.p99 },
    appendRate: { baseline: baselineRate, soak: soakRate },
    expectedDeliveries,
    deliveries,
    delivery: summarize(deliveryLatencies),
    drainMs,
    rss: {
      firstMiB: rssValues[0] ?? Number.NaN,
      lastMiB: rssValues.at(-1) ?? Number.NaN,
      minMiB: Math.min(...rssValues),
      maxMiB: Math.max(...rssValues),
    },
    calls: {
      queriesPerSecond: (soakCalls.query - baselineCallsAfter.query) / soakSeconds,
      batchGetsPerSecond: (soakCalls.batchGet - baselineCallsAfter.batchGet) / soakSeconds,
      baselineQueriesPerSecond,
    },
    samples,
    checks,
    appendErrorMessages,
    load1: { baselineStart: load1BaselineStart, soakStart: load1SoakStart, soakEnd: load1SoakEnd },
  };
}

export function printSoak(soak: SoakResult): void {
  console.table({
    'no subscribers': {
      'appends/s': round(soak.appendRate.baseline),
      'append p50 ms': round(soak.appends.baseline.p50),
      'append p99 ms': round(soak.appends.baseline.p99),
      'Query/s': round(soak.calls.baselineQueriesPerSecond, 1),
    },
    [`${soak.subscribers} subscribers`]: {
      'appends/s': round(soak.appendRate.soak),
      'append p50 ms': round(soak.appends.soak.p50),
      'append p99 ms': round(soak.appends.soak.p99),
      'Query/s': round(soak.calls.queriesPerSecond, 1),
      'BatchGetItem/s': round(soak.calls.batchGetsPerSecond, 1),
      'delivery p50 ms': round(soak.delivery.p50),
      'delivery p99 ms': round(soak.delivery.p99),
    },
  });
  console.log(
    `  append p50 ${round(soak.appends.p50Ratio, 2)}× and p99 ${round(soak.appends.p99Ratio, 2)}× the no-subscriber window; RSS first ${round(soak.rss.firstMiB, 0)} last ${round(soak.rss.lastMiB, 0)} min ${round(soak.rss.minMiB, 0)} max ${round(soak.rss.maxMiB, 0)} MiB; deliveries ${soak.deliveries}/${soak.expectedDeliveries}`,
  );
  console.log(`  checks: ${JSON.stringify(soak.checks)}`);
}
