/**
 * DynamoDB calls the store makes in more than one place, finishing what DynamoDB leaves
 * unfinished: BatchGetItem's unprocessed keys are retried with backoff up to a bound; a Query
 * follows LastEvaluatedKey; a TransactGetItems cancelled by a write in flight is retried;
 * failures become StoreUnavailableError.
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactGetItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay, sleep } from './backoff.js';
import { cancellationReasons, toStoreUnavailable } from './dynamo-errors.js';
import { StoreUnavailableError } from './errors.js';
import type { Item } from './items.js';

const batchGetSize = 100;
const maxUnprocessedRounds = 12;
/** Keys in one TransactGetItems (DynamoDB's bound), and tries while transactions on them are in flight. */
const transactGetSize = 100;
const maxTransactGetAttempts = 12;

function keyOf(item: Item): string {
  return `${item.pk?.S}\u0000${item.sk?.S}`;
}

/** Strongly consistent BatchGetItem of any number of keys; returns items by "pk\0sk". */
export async function batchGetItems(
  client: DynamoDBClient,
  table: string,
  keys: readonly Item[],
): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((key) => [keyOf(key), key])).values()];
  for (let start = 0; start < unique.length; start += batchGetSize) {
    await batchGetChunk(client, table, unique.slice(start, start + batchGetSize), found);
  }
  return found;
}

/** One BatchGetItem of at most 100 keys, then its unprocessed keys again, with backoff. */
async function batchGetChunk(
  client: DynamoDBClient,
  table: string,
  keys: Item[],
  found: Map<string, Item>,
): Promise<void> {
  let pending = keys;
  for (let round = 0; pending.length > 0; round++) {
    if (round > maxUnprocessedRounds)
      throw new StoreUnavailableError('DynamoDB kept keys unprocessed. Retry later.');
    if (round > 0) await sleep(backoffDelay(round, { baseMs: 10, maxMs: 500 }));
    let output: BatchGetItemCommandOutput;
    try {
      output = await client.send(
        new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
    } catch (error) {
      throw toStoreUnavailable(error, 'BatchGetItem');
    }
    for (const item of output.Responses?.[table] ?? []) found.set(keyOf(item), item);
    pending = output.UnprocessedKeys?.[table]?.Keys ?? [];
  }
}

/**
 * Up to 100 items read as of one instant, in one TransactGetItems: unlike a BatchGetItem, whose
 * items are each read at their own time (it may show part of a transaction that commits
 * meanwhile), it is serializable with transactions. DynamoDB cancels it while a transaction on
 * one of its items is in flight: it is tried again, with backoff. Returns items by "pk\0sk".
 */
export async function transactGetItems(
  client: DynamoDBClient,
  table: string,
  keys: readonly Item[],
): Promise<Map<string, Item>> {
  // A transaction may not name one item twice.
  const unique = [...new Map(keys.map((key) => [keyOf(key), key])).values()];
  if (unique.length > transactGetSize)
    throw new RangeError(`A TransactGetItems reads at most ${transactGetSize} items.`);
  for (let attempt = 0; attempt < maxTransactGetAttempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt, { baseMs: 10, maxMs: 500 }));
    try {
      const output = await client.send(
        new TransactGetItemsCommand({
          TransactItems: unique.map((key) => ({ Get: { TableName: table, Key: key } })),
        }),
      );
      const found = new Map<string, Item>();
      for (const response of output.Responses ?? [])
        if (response.Item) found.set(keyOf(response.Item), response.Item);
      return found;
    } catch (error) {
      // Only a conflict with a transaction in flight is worth another try.
      const reasons = cancellationReasons(error);
      if (!reasons.some((reason) => reason.Code === 'TransactionConflict'))
        throw toStoreUnavailable(error, 'TransactGetItems');
    }
  }
  throw new StoreUnavailableError('Transactions kept writing the items being read. Retry later.');
}

export function itemKey(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

/** A Query's input without what the sender fills in (the table, strong consistency). */
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ConsistentRead'>;

/** Sends one strongly consistent Query; a tenant's reads send it through their read budget. */
export type SendQuery = (input: QueryInput) => Promise<QueryCommandOutput>;

/** Sends each Query straight to DynamoDB (the store's own bookkeeping: appends, deletions). */
export function directQuery(client: DynamoDBClient, table: string): SendQuery {
  return async (input) => {
    try {
      return await client.send(new QueryCommand({ ...input, TableName: table, ConsistentRead: true }));
    } catch (error) {
      throw toStoreUnavailable(error, 'Query');
    }
  };
}

export interface PageOptions {
  /** Where the first page starts (a cursor's key); from the beginning when omitted. */
  startKey?: Item | undefined;
  /** The Limit of the next page, asked before each Query (the caller's own page may be partly filled). */
  limit?: () => number;
}

/**
 * A Query, page after page (following LastEvaluatedKey): yields each page's items, one Query per
 * page. A caller that has enough stops iterating, and no further Query is sent.
 */
export async function* queryPages(
  send: SendQuery,
  input: Omit<QueryInput, 'ExclusiveStartKey'>,
  options: PageOptions = {},
): AsyncGenerator<Item[]> {
  let startKey = options.startKey;
  do {
    const page = await send({
      ...input,
      ...(options.limit ? { Limit: options.limit() } : {}),
      ExclusiveStartKey: startKey,
    });
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** A strongly consistent Query straight to DynamoDB, page after page: yields each page's items. */
export function queryAll(
  client: DynamoDBClient,
  table: string,
  input: Omit<QueryInput, 'ExclusiveStartKey'>,
): AsyncGenerator<Item[]> {
  return queryPages(directQuery(client, table), input);
}

/** A strongly consistent GetItem; undefined when the item does not exist. */
export async function getItem(client: DynamoDBClient, table: string, key: Item): Promise<Item | undefined> {
  try {
    const output = await client.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return output.Item;
  } catch (error) {
    throw toStoreUnavailable(error, 'GetItem');
  }
}
