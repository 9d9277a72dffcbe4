/**
 * The store's one table, created on start when missing. Creating it is idempotent, also when
 * several gateways start at once: ResourceInUse means another one created it first.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { sleep } from './backoff.js';
import { isResourceInUse, isResourceNotFound, toStoreUnavailable } from './dynamo-errors.js';

export function eventsTableName(prefix: string): string {
  return `${prefix}events`;
}

async function describe(client: DynamoDBClient, table: string): Promise<TableDescription | null> {
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: table }));
    return output.Table ?? null;
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw toStoreUnavailable(error, 'DescribeTable');
  }
}

export async function ensureEventsTable(
  client: DynamoDBClient,
  table: string,
  timeoutMs = 120_000,
): Promise<void> {
  if ((await describe(client, table)) === null) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
    } catch (error) {
      if (!isResourceInUse(error)) throw toStoreUnavailable(error, 'CreateTable');
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await describe(client, table);
    if (description?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw toStoreUnavailable(new Error('TableNotActive'), 'CreateTable');
    await sleep(200);
  }
}
