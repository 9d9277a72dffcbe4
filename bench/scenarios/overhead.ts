/**
 * The API's own cost at concurrency 1: a 1-event append to a new stream in-process
 * (`store.append`, a store in the bench process with the gateway's DynamoDB client,
 * src/dynamodb/client.ts), the same append through HTTP and yoga (the gateway, a child
 * process), and a trivial `{ __typename }` round trip, interleaved one after the other so that
 * the three see the same machine. Target (issue 13): HTTP append p50 − store.append p50 ≤
 * trivial round trip p50 + 0.5 ms.
 */

import { loadConfig } from '../../src/config.js';
import { createDynamoDbClient } from '../../src/dynamodb/client.js';
import { createDynamoEventStore } from '../../src/store/index.js';
import { graphql } from '../lib/gateway.js';
import { medianOf, round, summarize } from '../lib/stats.js';

const appendMutation = `mutation Append($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess { events { position } }
    ... on Error { message }
  }
}`;

export interface Latency extends Record<string, number> {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface OverheadRun {
  storeAppend: Latency;
  httpAppend: Latency;
  trivial: Latency;
  /** HTTP append p50 − store.append p50 − trivial p50: the target is ≤ 0.5 ms. */
  excess: number;
}

export interface OverheadOptions {
  gatewayUrl: string;
  headers: Record<string, string>;
  dynamoEndpoint: string;
  tablePrefix: string;
  /** The tenant of the in-process store: not the gateway's, whose counter it would contend on. */
  storeTenant: string;
  iterations: number;
  /** Unmeasured rounds before each repetition; the first gets `firstWarmup` (JIT, DynamoDB Local's JVM). */
  warmup: number;
  firstWarmup: number;
  repetitions: number;
  log: (line: string) => void;
}

function latency(values: number[]): Latency {
  const summary = summarize(values);
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: summary.p50,
    p90: sorted[Math.ceil(0.9 * sorted.length) - 1] ?? Number.NaN,
    p99: summary.p99,
    max: summary.max,
  };
}

const data = (i: number) => ({ i, at: '2026-11-27T00:00:00.000Z', pad: 'x'.repeat(200) });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await fn();
  return performance.now() - begin;
}

export async function overheadScenario(
  options: OverheadOptions,
): Promise<{ runs: OverheadRun[]; median: OverheadRun }> {
  const config = loadConfig({ DYNAMODB_ENDPOINT: options.dynamoEndpoint, LOG_LEVEL: 'warn' });
  const client = createDynamoDbClient(config);
  const store = createDynamoEventStore({ client, tablePrefix: options.tablePrefix }).forTenant(
    options.storeTenant,
  );
  const runs: OverheadRun[] = [];
  try {
    for (let rep = 0; rep < options.repetitions; rep++) {
      const samples = { storeAppend: [] as number[], httpAppend: [] as number[], trivial: [] as number[] };
      const warmup = rep === 0 ? options.firstWarmup : options.warmup;
      for (let i = -warmup; i < options.iterations; i++) {
        const name = `ovh-r${rep}-${i}`;
        const storeMs = await timed(() =>
          store.append({
            stream: { name: `${name}-store` },
            events: [{ type: 'BenchEvent', data: data(i) }],
          }),
        );
        const httpMs = await timed(() =>
          graphql(
            options.gatewayUrl,
            appendMutation,
            { input: { stream: { name: `${name}-http` }, events: [{ type: 'BenchEvent', data: data(i) }] } },
            options.headers,
          ),
        );
        const trivialMs = await timed(() =>
          graphql(options.gatewayUrl, '{ __typename }', {}, options.headers),
        );
        if (i < 0) continue;
        samples.storeAppend.push(storeMs);
        samples.httpAppend.push(httpMs);
        samples.trivial.push(trivialMs);
      }
      const run = {
        storeAppend: latency(samples.storeAppend),
        httpAppend: latency(samples.httpAppend),
        trivial: latency(samples.trivial),
        excess: 0,
      };
      run.excess = run.httpAppend.p50 - run.storeAppend.p50 - run.trivial.p50;
      runs.push(run);
      options.log(
        `  overhead rep ${rep + 1}: store.append p50 ${round(run.storeAppend.p50, 2)} p99 ${round(run.storeAppend.p99, 2)} | HTTP append p50 ${round(run.httpAppend.p50, 2)} p99 ${round(run.httpAppend.p99, 2)} | { __typename } p50 ${round(run.trivial.p50, 2)} p99 ${round(run.trivial.p99, 2)} | excess ${round(run.excess, 2)} ms`,
      );
    }
  } finally {
    client.destroy();
  }
  const median: OverheadRun = {
    storeAppend: medianOf(runs.map((run) => run.storeAppend)),
    httpAppend: medianOf(runs.map((run) => run.httpAppend)),
    trivial: medianOf(runs.map((run) => run.trivial)),
    excess: medianOf(runs.map((run) => ({ excess: run.excess }))).excess,
  };
  return { runs, median };
}
