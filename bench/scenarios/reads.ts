/**
 * Reads with dataloaders: one log page of 500 events over 200 streams, selecting each event's
 * stream metadata, through GraphQL (dataloaders batch the metadata into BatchGetItem) against
 * raw calls without batching (the Query plus one GetItem per event) and with ideal batching
 * (the Query plus BatchGetItem of the distinct heads). DynamoDB requests are counted: the
 * gateway's from its /metrics, the baselines' by construction.
 */
import { BatchGetItemCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { TenantEventStore } from '../../src/store/index.js';
import { headSk, streamPk } from '../../src/store/keys.js';
import { graphql } from '../lib/gateway.js';
import { scrapeSum } from '../lib/metrics-scrape.js';
import { rawLogItems } from '../lib/raw-log.js';
import { median, round, summarize } from '../lib/stats.js';

const pageQuery = `query Page($first: Int) {
  events(first: $first) { edges { node { position type stream { name category version } } } }
}`;

export async function seedReads(store: TenantEventStore, streams: number, events: number) {
  const perStream = Math.ceil(events / streams);
  for (let start = 0; start < streams; start += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, streams - start) }, (_, offset) => {
        const index = start + offset;
        const count = Math.min(perStream, events - index * perStream);
        if (count <= 0) return Promise.resolve();
        return store.append({
          stream: { name: `reader-${index}`, category: `cat-${index % 5}` },
          events: Array.from({ length: count }, (_, k) => ({ type: 'Seeded', data: { index, k } })),
        });
      }),
    );
  }
}

async function rawPage(client: DynamoDBClient, table: string, tenant: string, batched: boolean) {
  const read = await rawLogItems(client, table, tenant, { pageSize: 500, limit: 500 });
  let requests = read.requests;
  const items = read.items;
  const keys = items.map((item) =>
    streamPk(tenant, { id: item.streamId as string, category: (item.category as string) ?? null }),
  );
  if (!batched) {
    await Promise.all(
      keys.map((pk) =>
        client.send(
          new GetItemCommand({ TableName: table, Key: marshall({ pk, sk: headSk }), ConsistentRead: true }),
        ),
      ),
    );
    requests += keys.length;
  } else {
    const unique = [...new Set(keys)];
    for (let index = 0; index < unique.length; index += 100) {
      await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [table]: {
              Keys: unique.slice(index, index + 100).map((pk) => marshall({ pk, sk: headSk })),
              ConsistentRead: true,
            },
          },
        }),
      );
      requests++;
    }
  }
  return { requests, events: items.length };
}

export async function readsScenario(options: {
  gatewayUrl: string;
  metricsUrl: string;
  headers: Record<string, string>;
  client: DynamoDBClient;
  table: string;
  tenant: string;
  repetitions: number;
}) {
  const measure = async (run: () => Promise<number>) => {
    const latencies: number[] = [];
    const requests: number[] = [];
    for (let rep = 0; rep < options.repetitions; rep++) {
      const started = performance.now();
      requests.push(await run());
      latencies.push(performance.now() - started);
    }
    const summary = summarize(latencies);
    return { requests: median(requests), p50: summary.p50, p99: summary.p99 };
  };
  const gateway = await measure(async () => {
    const before = await scrapeSum(options.metricsUrl, 'eventloom_dynamodb_calls_total');
    const data = await graphql<{ events: { edges: unknown[] } }>(
      options.gatewayUrl,
      pageQuery,
      { first: 500 },
      options.headers,
    );
    if (data.events.edges.length !== 500)
      throw new Error(`expected 500 events, got ${data.events.edges.length}`);
    const after = await scrapeSum(options.metricsUrl, 'eventloom_dynamodb_calls_total');
    return after - before;
  });
  const unbatched = await measure(
    async () => (await rawPage(options.client, options.table, options.tenant, false)).requests,
  );
  const batched = await measure(
    async () => (await rawPage(options.client, options.table, options.tenant, true)).requests,
  );
  return {
    gateway,
    rawUnbatched: unbatched,
    rawBatched: batched,
    latencyRatioVsUnbatched: round(gateway.p50 / unbatched.p50, 2),
  };
}
