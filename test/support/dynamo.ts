// Test helpers: a DynamoDB client for the suite's DynamoDB Local and a store on a fresh table.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { localCredentials } from '../../src/dynamodb-local.js';
import {
  createDynamoEventStore,
  type DynamoEventStoreOptions,
  type EventStore,
} from '../../src/store/index.js';

export function testClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'local',
    credentials: localCredentials,
    ...config,
  });
}

/** A unique table prefix, so test files never see each other's items. */
export function uniquePrefix(name: string): string {
  return `t${name.replace(/[^a-zA-Z0-9]/g, '')}${randomUUID().slice(0, 8)}_`;
}

export function uniqueTenant(name = 'tenant'): string {
  return `${name}-${randomUUID().slice(0, 8)}`;
}

export async function createTestStore(
  tablePrefix: string,
  options: Partial<DynamoEventStoreOptions> = {},
): Promise<{ store: EventStore; client: DynamoDBClient }> {
  const client = options.client ?? testClient();
  const store = createDynamoEventStore({ client, tablePrefix, ...options });
  await store.ensureTables();
  return { store, client };
}
