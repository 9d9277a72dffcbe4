/**
 * Reading the two items every decision starts from: a stream's head and the tenant counter.
 * Whether they come from a GetItem, a BatchGetItem or the ALL_OLD item of a cancelled
 * transaction, they are decoded here: a missing head is null (no stream), a missing counter is
 * position 0 (no event yet).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { batchGetItems, getItem, itemKey } from './dynamo-ops.js';
import { fromItem, type HeadItem, type Item, toItem } from './items.js';
import { counterPk, counterSk, headSk } from './keys.js';

export function headKey(pk: string): Item {
  return toItem({ pk, sk: headSk });
}

export function counterKey(tenant: string): Item {
  return toItem({ pk: counterPk(tenant), sk: counterSk });
}

/** The head an item holds; null when there is none (the stream does not exist). */
export function headOf(item: Item | undefined): HeadItem | null {
  return item ? fromItem<HeadItem>(item) : null;
}

/** The last position a counter item holds; 0 when there is none (the tenant has no event). */
export function positionOf(item: Item | undefined): number {
  return item ? fromItem<{ position: number }>(item).position : 0;
}

/** A stream's head, from a strongly consistent GetItem. */
export async function readHead(client: DynamoDBClient, table: string, pk: string): Promise<HeadItem | null> {
  return headOf(await getItem(client, table, headKey(pk)));
}

/** The tenant's last position, from a strongly consistent GetItem. */
export async function readCounter(client: DynamoDBClient, table: string, tenant: string): Promise<number> {
  return positionOf(await getItem(client, table, counterKey(tenant)));
}

export interface HeadsRead {
  /** Every stream asked for, with its head or null. */
  heads: Map<string, HeadItem | null>;
  /** The tenant's last position, when the counter was asked for. */
  position?: number;
}

/**
 * Many heads, and optionally the tenant counter, in one strongly consistent BatchGetItem (more
 * when over 100 keys or when keys come back unprocessed).
 */
export async function readHeads(
  client: DynamoDBClient,
  table: string,
  pks: readonly string[],
  counterOf?: string,
): Promise<HeadsRead> {
  const keys = pks.map(headKey);
  if (counterOf !== undefined) keys.push(counterKey(counterOf));
  const found = await batchGetItems(client, table, keys);
  const heads = new Map(pks.map((pk) => [pk, headOf(found.get(itemKey(pk, headSk)))]));
  if (counterOf === undefined) return { heads };
  return { heads, position: positionOf(found.get(itemKey(counterPk(counterOf), counterSk))) };
}
