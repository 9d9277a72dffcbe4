// DynamoDB Local 3.x answers a TransactWriteItems before its SQLite COMMIT has run, so a crash
// right after an answer can lose what it acknowledged (measured while writing this: a SIGKILL
// right after 64 acknowledged transactions lost some in 8 rounds out of 10). `flush()` and
// `stop()` must close that window: everything acknowledged before them survives the process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type DynamoDBClient,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, test } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../src/dynamodb/local.js';
import { testClient } from '../support/dynamo.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const table = 'durability';

function clientOf(local: DynamoDbLocal): DynamoDBClient {
  return testClient({ endpoint: local.endpoint });
}

/** Starts DynamoDB Local on disk and commits 64 two-item transactions at once; returns the acknowledged keys. */
async function writeLoad(): Promise<{ local: DynamoDbLocal; dir: string; acknowledged: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventloom-local-'));
  dirs.push(dir);
  const local = await startDynamoDbLocal({ dbPath: dir });
  const client = clientOf(local);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 64 }, async (_, index) => {
        const keys = [`a${index}`, `b${index}`];
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: keys.map((pk) => ({ Put: { TableName: table, Item: { pk: { S: pk } } } })),
          }),
        );
        acknowledged.push(...keys);
      }),
    );
    return { local, dir, acknowledged };
  } finally {
    client.destroy();
  }
}

async function keysAfterRestart(dir: string, port: number): Promise<Set<string>> {
  const local = await startDynamoDbLocal({ dbPath: dir, port });
  const client = clientOf(local);
  try {
    const scan = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
    return new Set((scan.Items ?? []).map((item) => item.pk?.S ?? ''));
  } finally {
    client.destroy();
    await local.stop();
  }
}

describe('the embedded DynamoDB Local', () => {
  test('flush() then SIGKILL: every acknowledged transaction survives', async () => {
    for (let round = 0; round < 2; round++) {
      const { local, dir, acknowledged } = await writeLoad();
      await local.flush();
      await local.kill();
      const stored = await keysAfterRestart(dir, local.port);
      expect(acknowledged.filter((key) => !stored.has(key))).toEqual([]);
      expect(stored.size).toBe(128);
    }
  }, 90_000);

  test('stop() right after the last acknowledgement loses nothing', async () => {
    const { local, dir, acknowledged } = await writeLoad();
    await local.stop();
    const stored = await keysAfterRestart(dir, local.port);
    expect(acknowledged.filter((key) => !stored.has(key))).toEqual([]);
  }, 60_000);
});
