// Test helpers for DynamoDB Local: the one client factory, unique table prefixes and tenants, a
// store on a fresh table, and counting a client's calls by command (an SDK middleware): what a
// test asserts about the reads and writes a request or a subscription costs.

import { randomUUID } from 'node:crypto';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { localCredentials } from '../../src/dynamodb/local.js';
import { webhookRegistryPk } from '../../src/store/consumers/keys.js';
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

export interface CallCounter {
  reset(): void;
  get(command: string): number;
  total(): number;
  /** Query + GetItem + BatchGetItem + TransactGetItems (an append's claims, replay.ts). */
  reads(): number;
  snapshot(): Record<string, number>;
}

/**
 * The webhook relay of every gateway reads its registry of webhook consumers (one Query) every
 * 2 s, whatever the requests do: a count of what requests cost leaves those reads out.
 */
function isRelayRegistryRead(input: unknown): boolean {
  const values = (input as { ExpressionAttributeValues?: Record<string, { S?: string }> })
    .ExpressionAttributeValues;
  return Object.values(values ?? {}).some((value) => value.S === webhookRegistryPk);
}

export function countCalls(client: DynamoDBClient): CallCounter {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!isRelayRegistryRead(args.input))
        calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countDynamoDbCalls' },
  );
  const get = (command: string) => calls.get(command) ?? 0;
  return {
    reset: () => calls.clear(),
    get,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    reads: () =>
      get('QueryCommand') +
      get('GetItemCommand') +
      get('BatchGetItemCommand') +
      get('TransactGetItemsCommand'),
    snapshot: () => Object.fromEntries(calls),
  };
}
