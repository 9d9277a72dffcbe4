/**
 * DynamoDB calls the store makes in more than one place, finishing what DynamoDB leaves
 * unfinished: BatchGetItem's unprocessed keys are retried with backoff up to a bound; a Query
 * follows LastEvaluatedKey; failures become StoreUnavailableError.
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay, sleep } from './backoff.js';
import { toStoreUnavailable } from './dynamo-errors.js';
import { StoreUnavailableError } from './errors.js';
import type { Item } from './items.js';

const batchGetSize = 100;
const maxUnprocessedRounds = 12;

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
    let pending: Item[] = unique.slice(start, start + batchGetSize);
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
  return found;
}

export function itemKey(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

/** A strongly consistent Query, page after page (following LastEvaluatedKey): yields each page's items. */
export async function* queryAll(
  client: DynamoDBClient,
  table: string,
  input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead' | 'ExclusiveStartKey'>,
): AsyncGenerator<Item[]> {
  let startKey: Item | undefined;
  do {
    let page: QueryCommandOutput;
    try {
      page = await client.send(
        new QueryCommand({ ...input, TableName: table, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
    } catch (error) {
      throw toStoreUnavailable(error, 'Query');
    }
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
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
