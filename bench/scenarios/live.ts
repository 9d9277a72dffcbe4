/**
 * Live delivery: WebSocket subscribers (graphql-ws) of one tenant, appends at a steady rate
 * through GraphQL over HTTP, and the latency from sending an append to a subscriber receiving
 * its event. With `appendUrl` on another gateway than `subscribeUrl`, the event crosses
 * gateways through DynamoDB (the other gateway's poller). Also counts the subscribed gateway's
 * DynamoDB Query calls per second (its /metrics) and its resident memory.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../lib/gateway.js';
import { scrapeSum } from '../lib/metrics-scrape.js';
import { summarize } from '../lib/stats.js';

const subscription = 'subscription Live { events { position data } }';
const appendMutation = `mutation Append($input: AppendEventsInput!) {
  appendEvents(input: $input) { __typename }
}`;

export interface LiveOptions {
  subscribeWsUrl: string;
  appendUrl: string;
  metricsUrl: string;
  key: string;
  subscribers: number;
  appendsPerSecond: number;
  durationMs: number;
  rss: () => Promise<number>;
}

export interface LiveResult {
  subscribers: number;
  deliveries: number;
  expectedDeliveries: number;
  p50: number;
  p99: number;
  max: number;
  queriesPerSecond: number;
  rssMiB: number;
}

export async function liveScenario(options: LiveOptions): Promise<LiveResult> {
  const latencies: number[] = [];
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
  const unsubscribers = clients.map((client) =>
    client.subscribe<{ events: { position: number; data: { run: string; sentAt: number } } }>(
      { query: subscription },
      {
        next: (result) => {
          const data = result.data?.events.data;
          if (data?.run === runId) latencies.push(performance.timeOrigin + performance.now() - data.sentAt);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    ),
  );
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
  await new Promise((resolve) => setTimeout(resolve, 500 + options.subscribers));

  const queriesBefore = await scrapeSum(
    options.metricsUrl,
    'eventloom_dynamodb_calls_total',
    'operation="Query"',
  );
  const windowStarted = performance.now();
  const interval = 1000 / options.appendsPerSecond;
  let sent = 0;
  const headers = { authorization: `Bearer ${options.key}` };
  const sends: Promise<unknown>[] = [];
  while (performance.now() - windowStarted < options.durationMs) {
    const due = windowStarted + sent * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(
      graphql(
        options.appendUrl,
        appendMutation,
        {
          input: {
            stream: { name: `live-${sent % 20}` },
            events: [
              { type: 'Live', data: { run: runId, sentAt: performance.timeOrigin + performance.now() } },
            ],
          },
        },
        headers,
      ),
    );
    sent++;
  }
  await Promise.all(sends);
  const windowSeconds = (performance.now() - windowStarted) / 1000;
  const queriesAfter = await scrapeSum(
    options.metricsUrl,
    'eventloom_dynamodb_calls_total',
    'operation="Query"',
  );
  // Let the last deliveries arrive.
  const expected = sent * options.subscribers;
  const deadline = Date.now() + 5000;
  while (latencies.length < expected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const rss = await options.rss();
  for (const unsubscribe of unsubscribers) unsubscribe();
  await Promise.all(clients.map((client) => client.dispose()));
  const summary = summarize(latencies);
  return {
    subscribers: ready,
    deliveries: latencies.length,
    expectedDeliveries: expected,
    p50: summary.p50,
    p99: summary.p99,
    max: summary.max,
    queriesPerSecond: (queriesAfter - queriesBefore) / windowSeconds,
    rssMiB: rss / 2 ** 20,
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
