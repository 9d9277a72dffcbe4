/**
 * Appends: GraphQL appendEvents over keep-alive HTTP against raw one-transaction-per-append
 * DynamoDB calls, at several concurrencies and append sizes, over the same stream mix. Two raw
 * baselines (bench/lib/raw-appender.ts): one reads the head of a stream it has not seen before
 * its first transaction; the other writes such a stream as new, as the gateway does.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { graphql } from '../lib/gateway.js';
import { RawAppender } from '../lib/raw-appender.js';
import { medianOf, round, summarize } from '../lib/stats.js';
import { createStreamMix } from '../lib/stream-mix.js';

const appendMutation = `mutation Append($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess { events { position } }
    ... on Error { message }
  }
}`;

export interface AppendRow extends Record<string, number> {
  concurrency: number;
  eventsPerAppend: number;
  appendsPerSecond: number;
  eventsPerSecond: number;
  conflicts: number;
  errors: number;
  p50: number;
  p99: number;
  p999: number;
}

function payload(n: number) {
  // ~250 bytes of JSON per event.
  return { n, at: '2026-11-27T00:00:00.000Z', pad: 'x'.repeat(200) };
}

async function drive(
  concurrency: number,
  durationMs: number,
  appendOnce: (worker: number, n: number) => Promise<{ conflicts: number; ok: boolean }>,
  eventsPerAppend: number,
): Promise<AppendRow> {
  const latencies: number[] = [];
  let conflicts = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const begin = performance.now();
        const outcome = await appendOnce(worker, n).catch(() => ({ conflicts: 0, ok: false }));
        conflicts += outcome.conflicts;
        if (outcome.ok) latencies.push(performance.now() - begin);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const summary = summarize(latencies);
  return {
    concurrency,
    eventsPerAppend,
    appendsPerSecond: latencies.length / seconds,
    eventsPerSecond: (latencies.length * eventsPerAppend) / seconds,
    conflicts,
    errors,
    p50: summary.p50,
    p99: summary.p99,
    p999: summary.p999,
  };
}

export interface AppendScenarioOptions {
  gatewayUrl: string;
  headers: Record<string, string>;
  client: DynamoDBClient;
  table: string;
  concurrencies: number[];
  sizes: number[];
  durationMs: number;
  /** Each variant appends this long before anything is measured. */
  warmupMs: number;
  repetitions: number;
  log: (line: string) => void;
}

export interface AppendScenarioRow {
  eventloom: AppendRow;
  /** The raw client that reads an unseen stream's head first. */
  raw: AppendRow;
  /** The raw client that writes an unseen stream as new (no head read). */
  rawNoHeadRead: AppendRow;
  ratio: number;
  p50DeltaMs: number;
  ratioNoHeadRead: number;
  p50DeltaNoHeadReadMs: number;
}

async function driveRaw(
  options: AppendScenarioOptions,
  tenant: string,
  readUnseenHeads: boolean,
  concurrency: number,
  seed: number,
  events: (n: number) => Array<{ type: string; data: unknown }>,
  size: number,
): Promise<AppendRow> {
  const mix = createStreamMix(undefined, seed);
  const raw = new RawAppender(options.client, options.table, tenant, { readUnseenHeads });
  return drive(
    concurrency,
    options.durationMs,
    async (_worker, n) => {
      const before = raw.conflicts;
      await raw.append(mix(), events(n));
      return { conflicts: raw.conflicts - before, ok: true };
    },
    size,
  );
}

async function driveEventloom(
  options: AppendScenarioOptions,
  run: string,
  concurrency: number,
  seed: number,
  events: (n: number) => Array<{ type: string; data: unknown }>,
  size: number,
): Promise<AppendRow> {
  const mix = createStreamMix(undefined, seed);
  return drive(
    concurrency,
    options.durationMs,
    async (_worker, n) => {
      const data = await graphql<{ appendEvents: { __typename: string } }>(
        options.gatewayUrl,
        appendMutation,
        { input: { stream: { name: `${run}-${mix()}` }, events: events(n) } },
        options.headers,
      );
      const ok = data.appendEvents.__typename === 'AppendEventsSuccess';
      return { conflicts: data.appendEvents.__typename === 'WrongExpectedVersionError' ? 1 : 0, ok };
    },
    size,
  );
}

type Variant = 'eventloom' | 'raw' | 'rawNoHeadRead';
const variants: readonly Variant[] = ['raw', 'rawNoHeadRead', 'eventloom'];

/** One measurement of each variant, in an order that rotates with `rep` (DynamoDB Local warms up as it goes). */
async function measureVariants(
  options: AppendScenarioOptions,
  run: string,
  rep: number,
  concurrency: number,
  size: number,
): Promise<Record<Variant, AppendRow>> {
  const events = (n: number) =>
    Array.from({ length: size }, (_, k) => ({ type: 'BenchEvent', data: payload(n * size + k) }));
  const measure: Record<Variant, () => Promise<AppendRow>> = {
    raw: () => driveRaw(options, `raw-${run}`, true, concurrency, rep + 1, events, size),
    rawNoHeadRead: () => driveRaw(options, `rawnew-${run}`, false, concurrency, rep + 1, events, size),
    eventloom: () => driveEventloom(options, run, concurrency, rep + 1, events, size),
  };
  const rows: Partial<Record<Variant, AppendRow>> = {};
  for (let i = 0; i < variants.length; i++) {
    const variant = variants[(rep + i) % variants.length]!;
    rows[variant] = await measure[variant]();
  }
  return rows as Record<Variant, AppendRow>;
}

export async function appendScenario(options: AppendScenarioOptions) {
  const rows: AppendScenarioRow[] = [];
  // Not measured: the first seconds of a fresh DynamoDB Local and gateway are several times slower.
  if (options.warmupMs > 0) {
    await measureVariants({ ...options, durationMs: options.warmupMs }, 'warmup', 0, 1, 1);
  }
  for (const size of options.sizes) {
    for (const concurrency of options.concurrencies) {
      const runs: Record<Variant, AppendRow>[] = [];
      for (let rep = 0; rep < options.repetitions; rep++) {
        const measured = await measureVariants(
          options,
          `c${concurrency}-k${size}-r${rep}`,
          rep,
          concurrency,
          size,
        );
        runs.push(measured);
        const { eventloom: last, raw: lastRaw, rawNoHeadRead: lastNew } = measured;
        options.log(
          `  appends c=${concurrency} k=${size} rep ${rep + 1}: eventloom ${round(last.appendsPerSecond, 0)}/s p50 ${round(last.p50)} ms | raw ${round(lastRaw.appendsPerSecond, 0)}/s p50 ${round(lastRaw.p50)} ms (${lastRaw.conflicts} conflicts) | raw, no head read ${round(lastNew.appendsPerSecond, 0)}/s p50 ${round(lastNew.p50)} ms (${lastNew.conflicts} conflicts)`,
        );
      }
      const eventloom = medianOf(runs.map((run) => run.eventloom));
      const raw = medianOf(runs.map((run) => run.raw));
      const rawNoHeadRead = medianOf(runs.map((run) => run.rawNoHeadRead));
      rows.push({
        eventloom,
        raw,
        rawNoHeadRead,
        ratio: eventloom.appendsPerSecond / raw.appendsPerSecond,
        p50DeltaMs: eventloom.p50 - raw.p50,
        ratioNoHeadRead: eventloom.appendsPerSecond / rawNoHeadRead.appendsPerSecond,
        p50DeltaNoHeadReadMs: eventloom.p50 - rawNoHeadRead.p50,
      });
    }
  }
  return rows;
}
