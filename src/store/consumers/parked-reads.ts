/**
 * Reads of a consumer's parked records. Each read first reads the definition, for its current
 * incarnation: records another incarnation left (a deletion interrupted before it removed them)
 * are skipped, as if absent. Records marked `replaying` are not parked any more for listings
 * and for delivery (which skips parked positions); `replayingPositions` lists them instead.
 */
import { batchGetItems, directQuery, itemKey, type QueryInput, queryPages } from '../dynamo-ops.js';
import { InvalidInputError } from '../errors.js';
import { fromItem, toItem } from '../items.js';
import type { Page } from '../types.js';
import { readDefinition } from './definitions.js';
import { type ParkedItem, toParkedRecord } from './items.js';
import { firstParkedSk, parkedPk, parkedSk } from './keys.js';
import type { ParkedEventRecord } from './types.js';
import type { TenantTable } from './writes.js';

interface ParkedQuery {
  name: string;
  incarnation: string;
  replaying: boolean;
  /** Only positions above it; all when null. */
  after: number | null;
}

/** The Query's parameters: one incarnation's records, replaying or not, above a position. */
function parkedQueryInput(ctx: TenantTable, query: ParkedQuery): QueryInput {
  return {
    KeyConditionExpression: 'pk = :pk AND sk > :after',
    FilterExpression: '#incarnation = :incarnation AND #replaying = :replaying',
    ExpressionAttributeNames: { '#incarnation': 'incarnation', '#replaying': 'replaying' },
    ExpressionAttributeValues: toItem({
      ':pk': parkedPk(ctx.tenant, query.name),
      ':after': query.after === null ? firstParkedSk : parkedSk(query.after),
      ':incarnation': query.incarnation,
      ':replaying': query.replaying,
    }),
  };
}

/** Every matching position, in order (all pages). */
export async function parkedPositions(ctx: TenantTable, query: ParkedQuery): Promise<number[]> {
  const positions: number[] = [];
  const base = parkedQueryInput(ctx, query);
  const input = {
    ...base,
    ProjectionExpression: '#position',
    ExpressionAttributeNames: { ...base.ExpressionAttributeNames, '#position': 'position' },
  };
  for await (const page of queryPages(directQuery(ctx.client, ctx.table), input)) {
    for (const raw of page) positions.push(fromItem<{ position: number }>(raw).position);
  }
  return positions;
}

export async function listParked(
  ctx: TenantTable,
  name: string,
  first: number,
  after: number | null,
): Promise<Page<ParkedEventRecord>> {
  const definition = await readDefinition(ctx, name);
  if (definition === null) return { edges: [], hasNextPage: false, hasPreviousPage: false };
  const found: ParkedEventRecord[] = [];
  // One more than the page, to know whether another page follows.
  const wanted = first + 1;
  const input = parkedQueryInput(ctx, { name, incarnation: definition.incarnation, replaying: false, after });
  const pages = queryPages(directQuery(ctx.client, ctx.table), input, {
    limit: () => wanted - found.length,
  });
  for await (const page of pages) {
    found.push(...page.map(toParkedRecord));
    if (found.length >= wanted) break;
  }
  const shown = found.slice(0, first);
  return {
    edges: shown.map((record) => ({ cursor: String(record.position), node: record })),
    hasNextPage: found.length > first,
    hasPreviousPage: after !== null,
  };
}

/** Positions of parked records (not replaying) above `after`; none when the consumer is missing. */
export async function parkedPositionsAfter(ctx: TenantTable, name: string, after: number): Promise<number[]> {
  const definition = await readDefinition(ctx, name);
  if (definition === null) return [];
  return parkedPositions(ctx, { name, incarnation: definition.incarnation, replaying: false, after });
}

export async function replayingPositions(ctx: TenantTable, name: string): Promise<number[]> {
  const definition = await readDefinition(ctx, name);
  if (definition === null) return [];
  return parkedPositions(ctx, { name, incarnation: definition.incarnation, replaying: true, after: null });
}

/**
 * Checks that every given position is a parked record of `incarnation` (replaying or not: a
 * replay asked again is no error). Throws InvalidInputError at the first one that is not.
 */
export async function checkParked(
  ctx: TenantTable,
  name: string,
  incarnation: string,
  positions: readonly number[],
): Promise<void> {
  const pk = parkedPk(ctx.tenant, name);
  const keys = positions.map((position) => toItem({ pk, sk: parkedSk(position) }));
  const found = await batchGetItems(ctx.client, ctx.table, keys);
  const missing = positions.findIndex((position) => {
    const raw = found.get(itemKey(pk, parkedSk(position)));
    return raw === undefined || fromItem<ParkedItem>(raw).incarnation !== incarnation;
  });
  if (missing >= 0) {
    throw new InvalidInputError(`Position ${positions[missing]} is not a parked event of this consumer.`, [
      'positions',
      missing,
    ]);
  }
}
