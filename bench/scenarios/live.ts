/**
 * Live delivery: WebSocket subscribers (graphql-ws) of one tenant, appends at a steady rate
 * through GraphQL over HTTP, and the latency from sending an append to a subscriber receiving
 * its event. With `appendUrl` on another gateway than `subscribeUrl`, the event crosses
 * gateways through DynamoDB (the other gateway's poller). Also counts the subscribed gateway's
 * DynamoDB Query and BatchGetItem calls per second (its /metrics), its resident memory, and the
 * latency of every append (the writer's view while the gateway delivers).
 *
 * Selections: `light` (`events { position data }`, every subscriber gets every event) and
 * `stream` (`id type data version position recordedAt stream { id name category version }`,
 * every second subscriber filtered to one of the two event types the writer alternates, so it
 * gets half). `stream.version` is a head field: it needs the stream's head read.
 */
import { loadavg } from 'node:os';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../lib/gateway.js';
import { scrapeSum } from '../lib/metrics-scrape.js';
import { summarize } from '../lib/stats.js';

export type LiveSelection = 'light' | 'stream';

const lightSubscription = 'subscription Live { events { position data } }';
/** The `stream` selection, shared with the soak scenario. */
export const streamSubscription = `subscription LiveStream($after: Position, $filter: EventFilter) {
  events(after: $after, filter: $filter) {
    id type data version position recordedAt
    stream { id name category version }
  }
}`;
const appendMutation = `mutation Append($input: AppendEventsInput!) {
  appendEvents(input: $input) { __typename }
}`;
/** The two types the writer alternates in the `stream` variant; filtered subscribers want the first. */
const streamTypes = ['LiveA', 'LiveB'] as const;

/** A delivered event of the `stream` selection. */
export interface StreamDelivery {
  id: string;
  type: string;
  data: { run?: string; sentAt?: number } & Record<string, unknown>;
  version: number;
  position: number;
  recordedAt: string;
  stream: { id: string; name: string | null; category: string | null; version: number };
}

export interface LiveOptions {
  subscribeWsUrl: string;
  appendUrl: string;
  metricsUrl: string;
  key: string;
  subscribers: number;
  appendsPerSecond: number;
  durationMs: number;
  rss: () => Promise<number>;
  /** Default `light`. */
  selection?: LiveSelection;
  /** How long to wait for the last deliveries after the last append (default 5 s). */
  drainMs?: number | undefined;
}

export interface LiveResult {
  subscribers: number;
  deliveries: number;
  expectedDeliveries: number;
  p50: number;
  p99: number;
  max: number;
  queriesPerSecond: number;
  /** BatchGetItem calls per second of the subscribed gateway over the measurement window. */
  batchGetsPerSecond: number;
  /** BatchGetItem calls from the window's start until the deliveries were drained, per delivery. */
  batchGetsPerDelivery: number;
  rssMiB: number;
  /** CPU used over the window by the gateway process and by this bench process (100 = one core). */
  gatewayCpuPercent: number;
  benchCpuPercent: number;
  /** Mean append latency as the gateway's store answered them (its histogram): without HTTP and the client. */
  storeAppendMeanMs: number;
  /** Latency of the writer's appendEvents calls (HTTP request to response), ms. */
  appendP50: number;
  appendP99: number;
  appends: number;
  /** Appends that failed (e.g. STORE_UNAVAILABLE from an overloaded DynamoDB Local). */
  appendErrors: number;
  /** Time from the last append's answer until every delivery arrived (or the drain gave up), ms. */
  drainMs: number;
  /** `stream` selection checks: deliveries out of order or repeated, of the wrong type, or with stream.version < version. */
  orderViolations: number;
  filterViolations: number;
  versionViolations: number;
  /** 1-minute load average when the window started. */
  load1: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the gateway has made no DynamoDB call for `quietMs` (at most `capMs`): no backlog left. */
export async function settle(metricsUrl: string, quietMs = 1000, capMs = 60_000): Promise<void> {
  const deadline = Date.now() + capMs;
  let last = await scrapeSum(metricsUrl, 'eventloom_dynamodb_calls_total');
  while (Date.now() < deadline) {
    await sleep(quietMs);
    const now = await scrapeSum(metricsUrl, 'eventloom_dynamodb_calls_total');
    if (now === last) return;
    last = now;
  }
}

export async function liveScenario(options: LiveOptions): Promise<LiveResult> {
  const selection = options.selection ?? 'light';
  const latencies: number[] = [];
  let deliveries = 0;
  let orderViolations = 0;
  let filterViolations = 0;
  let versionViolations = 0;
  let ready = 0;
  const clients = Array.from({ length: options.subscribers }, () =>
    createClient({
      url: options.subscribeWsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${options.key}` },
      lazy: false,
      retryAttempts: 0,
    }),
  );
  const runId = `${Date.now()}-${Math.random()}`;
  const filtered = (index: number) => selection === 'stream' && index % 2 === 1;
  const unsubscribers = clients.map((client, index) => {
    if (selection === 'light') {
      return client.subscribe<{ events: { position: number; data: { run: string; sentAt: number } } }>(
        { query: lightSubscription },
        {
          next: (result) => {
            const data = result.data?.events.data;
            if (data?.run === runId) {
              deliveries++;
              latencies.push(performance.timeOrigin + performance.now() - data.sentAt);
            }
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
    let lastPosition = 0;
    return client.subscribe<{ events: StreamDelivery }>(
      {
        query: streamSubscription,
        variables: filtered(index) ? { filter: { types: [streamTypes[0]] } } : {},
      },
      {
        next: (result) => {
          const event = result.data?.events;
          if (event?.data.run !== runId) return;
          deliveries++;
          latencies.push(performance.timeOrigin + performance.now() - (event.data.sentAt ?? 0));
          if (event.position <= lastPosition) orderViolations++;
          lastPosition = event.position;
          if (filtered(index) && event.type !== streamTypes[0]) filterViolations++;
          if (!(event.stream.version >= event.version)) versionViolations++;
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  });
  // Connected when every client has acknowledged; give the subscriptions a moment to start.
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          const off = client.on('connected', () => {
            ready++;
            off();
            resolve();
          });
        }),
    ),
  );
  await sleep(500 + options.subscribers);

  const calls = async () => ({
    query: await scrapeSum(options.metricsUrl, 'eventloom_dynamodb_calls_total', 'operation="Query"'),
    batchGet: await scrapeSum(
      options.metricsUrl,
      'eventloom_dynamodb_calls_total',
      'operation="BatchGetItem"',
    ),
    cpuSeconds: await scrapeSum(options.metricsUrl, 'eventloom_process_cpu_seconds_total'),
    appendSeconds: await scrapeSum(options.metricsUrl, 'eventloom_append_duration_seconds_sum'),
    appendCount: await scrapeSum(options.metricsUrl, 'eventloom_append_duration_seconds_count'),
    benchCpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
  const load1 = loadavg()[0] ?? Number.NaN;
  const before = await calls();
  const windowStarted = performance.now();
  const interval = 1000 / options.appendsPerSecond;
  let sent = 0;
  let ackedOfFirstType = 0;
  const headers = { authorization: `Bearer ${options.key}` };
  const sends: Promise<unknown>[] = [];
  const appendLatencies: number[] = [];
  let appendErrors = 0;
  while (performance.now() - windowStarted < options.durationMs) {
    const due = windowStarted + sent * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const type = selection === 'light' ? 'Live' : streamTypes[sent % 2];
    const started = performance.now();
    sends.push(
      graphql(
        options.appendUrl,
        appendMutation,
        {
          input: {
            stream: { name: `live-${sent % 20}` },
            events: [{ type, data: { run: runId, sentAt: performance.timeOrigin + performance.now() } }],
          },
        },
        headers,
      ).then(
        () => {
          appendLatencies.push(performance.now() - started);
          if (type === streamTypes[0]) ackedOfFirstType++;
        },
        // An overloaded gateway may answer STORE_UNAVAILABLE: counted, not fatal to the run.
        () => appendErrors++,
      ),
    );
    sent++;
  }
  await Promise.all(sends);
  const windowSeconds = (performance.now() - windowStarted) / 1000;
  const after = await calls();
  // Let the last deliveries arrive.
  let expected = 0;
  for (let index = 0; index < options.subscribers; index++)
    expected += filtered(index) ? ackedOfFirstType : appendLatencies.length;
  const drainStarted = performance.now();
  const deadline = Date.now() + (options.drainMs ?? 5000);
  while (deliveries < expected && Date.now() < deadline) await sleep(50);
  const drainMs = performance.now() - drainStarted;
  const drained = await calls();
  const rss = await options.rss();
  for (const unsubscribe of unsubscribers) unsubscribe();
  await Promise.all(clients.map((client) => client.dispose()));
  // A gateway behind on its deliveries keeps reading for a while: let it finish before the next run.
  await settle(options.metricsUrl);
  const summary = summarize(latencies);
  const appendSummary = summarize(appendLatencies);
  return {
    subscribers: ready,
    deliveries,
    expectedDeliveries: expected,
    p50: summary.p50,
    p99: summary.p99,
    max: summary.max,
    queriesPerSecond: (after.query - before.query) / windowSeconds,
    batchGetsPerSecond: (after.batchGet - before.batchGet) / windowSeconds,
    batchGetsPerDelivery: deliveries > 0 ? (drained.batchGet - before.batchGet) / deliveries : 0,
    rssMiB: rss / 2 ** 20,
    gatewayCpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / windowSeconds,
    benchCpuPercent: (100 * (after.benchCpuSeconds - before.benchCpuSeconds)) / windowSeconds,
    storeAppendMeanMs:
      (1000 * (after.appendSeconds - before.appendSeconds)) / (after.appendCount - before.appendCount),
    appendP50: appendSummary.p50,
    appendP99: appendSummary.p99,
    appends: appendLatencies.length,
    appendErrors,
    drainMs,
    orderViolations,
    filterViolations,
    versionViolations,
    load1,
  };
}

/** A subscriber from position 0 that reads `total` events of history: events/s until it has them all. */
export async function catchUpSubscriber(wsUrl: string, key: string, total: number): Promise<number> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  const started = performance.now();
  let received = 0;
  let last = 0;
  try {
    for await (const result of client.iterate<{
      eventBatches: { events: Array<{ position: number }>; checkpoint: number };
    }>({
      query:
        'subscription CatchUp { eventBatches(after: 0, maxSize: 1000, maxWaitMs: 50) { events { position type data } checkpoint } }',
    })) {
      const batch = result.data?.eventBatches;
      if (!batch) throw new Error(`catch-up subscription failed: ${JSON.stringify(result.errors)}`);
      for (const event of batch.events) {
        if (event.position !== last + 1) throw new Error(`gap or reorder at ${last} -> ${event.position}`);
        last = event.position;
      }
      received += batch.events.length;
      if (received >= total) break;
    }
  } finally {
    await client.dispose();
  }
  return received / ((performance.now() - started) / 1000);
}
