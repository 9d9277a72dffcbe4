/** The gateway's DynamoDB client, made from the configuration when the app is given none. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config.js';

/** DynamoDB Local accepts any credentials; these say so. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function createDynamoDbClient(config: Config): DynamoDBClient {
  const { endpoint, region } = config.dynamodb;
  if (endpoint === undefined) {
    throw new Error(
      'No DynamoDB endpoint: src/main.ts starts DynamoDB Local when DYNAMODB_ENDPOINT is unset.',
    );
  }
  const operations = config.operations;
  return new DynamoDBClient({
    region,
    ...(endpoint === null ? {} : { endpoint }),
    ...(config.dynamodb.localCredentials ? { credentials: localCredentials } : {}),
    // Fail fast when DynamoDB hangs or is gone: the SDK has no request timeout of its own.
    maxAttempts: operations.dynamoMaxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(operations.dynamoTimeoutMs, 2000),
      requestTimeout: operations.dynamoTimeoutMs,
    }),
  });
}
