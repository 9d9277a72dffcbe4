// transactGetItems (src/store/dynamo-ops.ts): DynamoDB cancels a TransactGetItems while a
// transaction on one of its items is in flight (reason TransactionConflict); it is tried again.
// Any other failure is STORE_UNAVAILABLE. Cancellations are injected (DynamoDB Local serializes
// transactions and never shows one).
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { transactGetItems } from '../../src/store/dynamo-ops.js';
import { eventsTableName, StoreUnavailableError } from '../../src/store/index.js';
import { toItem } from '../../src/store/items.js';
import { createTestStore, testClient, uniquePrefix } from '../support/dynamo.js';

/** A client whose next `count` TransactGetItems are cancelled with these reasons. */
function clientCancelling(count: number, reasons: { Code: string }[]) {
  const client = testClient();
  let left = count;
  let sent = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactGetItemsCommand') return next(args);
      sent++;
      if (left-- > 0)
        throw Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: reasons,
        });
      return next(args);
    },
    { step: 'initialize', name: 'cancelTransactGets' },
  );
  return { client, sent: () => sent };
}

async function tableWithTwoItems() {
  const prefix = uniquePrefix('tget');
  const { client } = await createTestStore(prefix);
  const table = eventsTableName(prefix);
  for (const pk of ['a', 'b'])
    await client.send(new PutItemCommand({ TableName: table, Item: toItem({ pk, sk: 'X', n: pk }) }));
  return { table, keys: ['a', 'b', 'missing'].map((pk) => toItem({ pk, sk: 'X' })) };
}

describe('transactGetItems', () => {
  test('reads what exists, trying again while a transaction on its items is in flight', async () => {
    const { table, keys } = await tableWithTwoItems();
    const { client, sent } = clientCancelling(2, [
      { Code: 'None' },
      { Code: 'TransactionConflict' },
      { Code: 'None' },
    ]);
    const found = await transactGetItems(client, table, keys);
    expect([...found.keys()].sort()).toEqual(['a\u0000X', 'b\u0000X']);
    expect(sent()).toBe(3);
  });

  test('any other failure is STORE_UNAVAILABLE, without another try', async () => {
    const { table, keys } = await tableWithTwoItems();
    const { client, sent } = clientCancelling(1, [{ Code: 'ValidationError' }]);
    await expect(transactGetItems(client, table, keys)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(sent()).toBe(1);
  });

  test('conflicts that never end are STORE_UNAVAILABLE', async () => {
    const { table, keys } = await tableWithTwoItems();
    const { client, sent } = clientCancelling(100, [{ Code: 'TransactionConflict' }]);
    await expect(transactGetItems(client, table, keys)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(sent()).toBe(12);
  }, 30_000);
});
