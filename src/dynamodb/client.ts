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
    // Resolve each command's middleware stack once, not on every call (about 0.1 ms of CPU per
    // call here). Middleware added after the first call of a command is then not seen: the app
    // adds its own (src/observability/instrument-dynamodb.ts) before any call.
    cacheMiddleware: true,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(operations.dynamoTimeoutMs, 2000),
      requestTimeout: operations.dynamoTimeoutMs,
    }),
  });
}
