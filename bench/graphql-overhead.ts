// The cost of the GraphQL layer itself: the same reads and appends through the store in-process
// and through HTTP + yoga, one at a time, against one DynamoDB Local. Run: npx tsx bench/graphql-overhead.ts
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { localCredentials, startDynamoDbLocal } from '../src/dynamodb/local.js';
import { percentile } from './lib/stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const local = await startDynamoDbLocal();
const config = loadConfig({
  PORT: '0',
  DYNAMODB_ENDPOINT: local.endpoint,
  LOG_LEVEL: 'warn',
  EVENTLOOM_TABLE_PREFIX: 'ovh_',
});
const app = buildApp(config);
const { url } = await app.start();
const client = new DynamoDBClient({
  endpoint: local.endpoint,
  region: 'local',
  credentials: localCredentials,
});
async function time(label: string, n: number, fn: (i: number) => Promise<unknown>) {
  const l: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    l.push(performance.now() - t);
  }
  console.log(label.padEnd(40), 'p50', percentile(l, 50).toFixed(2), 'p90', percentile(l, 90).toFixed(2));
}
const post = (query: string, variables = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  }).then((r) => r.json());
const store = app.store.forTenant('default');
for (let round = 0; round < 2; round++) {
  await time('raw GetItem counter', 300, () =>
    client.send(
      new GetItemCommand({
        TableName: 'ovh_events',
        Key: { pk: { S: 'T#default#COUNTER' }, sk: { S: 'COUNTER' } },
        ConsistentRead: true,
      }),
    ),
  );
  await time('store.headPosition', 300, () => store.headPosition());
  await time('HTTP { head }', 300, () => post('{ head }'));
  await time('HTTP { __typename }', 300, () => post('{ __typename }'));
  await time('HTTP appendEvents refused by the store', 300, () =>
    post('mutation($input: AppendEventsInput!) { appendEvents(input: $input) { __typename } }', {
      input: { stream: { name: 'x' }, events: [] },
    }),
  );
  await time('store.append (same stream)', 300, (i) =>
    store.append({ stream: { name: 'hot' }, events: [{ type: 'A', data: { i, pad: 'x'.repeat(200) } }] }),
  );
  await time('HTTP appendEvents (same stream)', 300, (i) =>
    post('mutation($input: AppendEventsInput!) { appendEvents(input: $input) { __typename } }', {
      input: { stream: { name: 'hot2' }, events: [{ type: 'A', data: { i, pad: 'x'.repeat(200) } }] },
    }),
  );
}
await app.stop();
client.destroy();
await local.stop();
