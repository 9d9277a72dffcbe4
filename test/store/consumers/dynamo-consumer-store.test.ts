// The consumer store's contract on DynamoDB Local, and what only DynamoDB's items can show:
// records another incarnation left behind are ignored by reads and kept by a deletion.
import { randomUUID } from 'node:crypto';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, test } from 'vitest';
import { parkedPk, parkedSk } from '../../../src/store/consumers/keys.js';
import { createDynamoConsumerStore, eventsTableName } from '../../../src/store/index.js';
import { createTestStore, uniquePrefix } from '../../support/dynamo.js';
import { allParked, consumerRequest, freshTenant, leased, parkedRecords } from './consumer-fixtures.js';
import { consumerStoreContract } from './consumer-store.contract.js';

async function dynamoContext() {
  const tablePrefix = uniquePrefix('consumers');
  const { client } = await createTestStore(tablePrefix);
  const table = eventsTableName(tablePrefix);
  const store = createDynamoConsumerStore({ client, tablePrefix });
  const storedParkedItems = async (tenant: string, name: string) => {
    const output = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': parkedPk(tenant, name) }),
        ConsistentRead: true,
        Select: 'COUNT',
      }),
    );
    return output.Count ?? 0;
  };
  /** A parked record as another incarnation of the consumer wrote it (a deletion that died midway). */
  const putForeignRecord = async (tenant: string, name: string, position: number) => {
    const item = {
      pk: parkedPk(tenant, name),
      sk: parkedSk(position),
      incarnation: randomUUID(),
      position,
      attempts: 1,
      reason: 'left behind',
      parkedAt: new Date().toISOString(),
      replaying: false,
    };
    await client.send(new PutItemCommand({ TableName: table, Item: marshall(item) }));
  };
  return { store, storedParkedItems, putForeignRecord };
}

describe('DynamoDB consumer store', () => {
  consumerStoreContract(dynamoContext);

  test('records of another incarnation: reads skip them, replays refuse them, a deletion keeps them', async () => {
    const { store, storedParkedItems, putForeignRecord } = await dynamoContext();
    const tenant = freshTenant(store);
    const lease = await leased(tenant, 'c');
    await tenant.park(lease, parkedRecords([2, 4]));
    await putForeignRecord(tenant.tenant, 'c', 3);
    await putForeignRecord(tenant.tenant, 'c', 5);

    expect(await allParked(tenant, 'c')).toEqual([2, 4]);
    expect(await tenant.parkedPositionsAfter('c', 0)).toEqual([2, 4]);
    await expect(tenant.replayParked('c', [3])).rejects.toMatchObject({ path: ['positions', '0'] });
    await tenant.replayParked('c', null);
    expect(await tenant.replayingPositions('c')).toEqual([2, 4]);

    expect(await tenant.delete('c')).toBe(true);
    expect(await storedParkedItems(tenant.tenant, 'c')).toBe(2);
    await tenant.create(consumerRequest('c'));
    expect(await allParked(tenant, 'c')).toEqual([]);
  });
});
