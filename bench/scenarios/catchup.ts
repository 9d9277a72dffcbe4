/**
 * Catch-up: reading a long log from position 0 — by paging the GraphQL log query, and (added
 * by the subscription scenarios) by a subscriber from position 0 — against raw consistent
 * Query pages of the same log: events/s.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TenantEventStore } from '../../src/store/index.js';
import { graphql } from '../lib/gateway.js';
import { rawLogItems } from '../lib/raw-log.js';

/** Appends `total` events of ~250 bytes in appends of 10, 32 at a time (group commit). */
export async function seedLog(store: TenantEventStore, total: number, log: (line: string) => void) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async (_, worker) => {
      for (;;) {
        const start = next;
        next += 10;
        if (start >= total) return;
        const count = Math.min(10, total - start);
        await store.append({
          stream: { name: `catchup-${worker}-${start % 500}`, category: 'catchup' },
          events: Array.from({ length: count }, (_, k) => ({
            type: 'Seeded',
            data: { n: start + k, pad: 'x'.repeat(200) },
          })),
        });
        if ((start / 10) % 1000 === 0 && start > 0) log(`  seeded ${start} events`);
      }
    }),
  );
  log(`  seeded ${total} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const pageQuery = `query Page($after: Position, $first: Int) {
  events(after: $after, first: $first) {
    edges { node { id type position version data recordedAt } }
    pageInfo { hasNextPage }
  }
}`;

export async function pageGraphQL(
  url: string,
  headers: Record<string, string>,
  total: number,
  pageSize = 1000,
) {
  const started = performance.now();
  let after = 0;
  let read = 0;
  for (;;) {
    const data = await graphql<{
      events: { edges: Array<{ node: { position: number } }>; pageInfo: { hasNextPage: boolean } };
    }>(url, pageQuery, { after, first: pageSize }, headers);
    read += data.events.edges.length;
    after = data.events.edges.at(-1)?.node.position ?? after;
    if (!data.events.pageInfo.hasNextPage || data.events.edges.length === 0) break;
  }
  if (read !== total) throw new Error(`paged ${read} events, expected ${total}`);
  return read / ((performance.now() - started) / 1000);
}

export async function pageRaw(
  client: DynamoDBClient,
  table: string,
  tenant: string,
  total: number,
  pageSize = 1000,
) {
  const started = performance.now();
  const { items } = await rawLogItems(client, table, tenant, { pageSize });
  if (items.length !== total) throw new Error(`raw paged ${items.length} events, expected ${total}`);
  return items.length / ((performance.now() - started) / 1000);
}
