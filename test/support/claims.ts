/**
 * Every event-id claim of a tenant, read raw for the history checkers. Claims live in one
 * partition per id (`T#<tenant>#ID#<eventId>`), so only a Scan finds them all: tests may scan
 * their own small tables, the store never does.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { eventIdClaimPk } from '../../src/store/keys.js';

export interface RawClaim {
  eventId: string;
  streamPk: string;
  version: number;
  incarnation: number;
}

export async function scanClaims(client: DynamoDBClient, table: string, tenant: string): Promise<RawClaim[]> {
  const prefix = eventIdClaimPk(tenant, '');
  const claims: RawClaim[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: prefix } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      claims.push({
        eventId: String(item.pk).slice(prefix.length),
        streamPk: String(item.streamPk),
        version: Number(item.version),
        incarnation: Number(item.incarnation ?? 0),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return claims;
}
