// Starts one in-memory DynamoDB Local for the whole run; test files isolate themselves by
// table prefix or tenant, so they can run in parallel against it.
import type { TestProject } from 'vitest/node';
import { buildExplorer } from '../../scripts/build-explorer.js';
import { startDynamoDbLocal } from '../../src/dynamodb/local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  // The SDK warns that it will need Node 22 in 2027; the test output does not need that each run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The explorer page's bundle (dist/explorer/), as `npm start` builds it first.
  const [local] = await Promise.all([startDynamoDbLocal(), buildExplorer()]);
  project.provide('dynamoEndpoint', local.endpoint);
  return async () => {
    await local.stop();
  };
}
