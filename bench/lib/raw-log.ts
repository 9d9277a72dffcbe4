/** The raw baseline's log read: consistent Query pages of a tenant's log from position 0. */
import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { logPk, positionSk } from '../../src/store/keys.js';

/**
 * Reads up to `limit` log items (all when omitted), `pageSize` a Query; returns the items and
 * the number of Query requests it took.
 */
export async function rawLogItems(
  client: DynamoDBClient,
  table: string,
  tenant: string,
  options: { pageSize: number; limit?: number },
): Promise<{ items: Array<Record<string, unknown>>; requests: number }> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const items: Array<Record<string, unknown>> = [];
  let requests = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: marshall({ ':pk': logPk(tenant), ':after': positionSk(0) }),
        ConsistentRead: true,
        Limit: Math.min(options.pageSize, limit - items.length),
        ExclusiveStartKey: startKey,
      }),
    );
    requests++;
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    startKey = items.length < limit ? page.LastEvaluatedKey : undefined;
  } while (startKey);
  return { items, requests };
}
