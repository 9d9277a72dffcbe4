// A gateway process that deletes a stream; it records each answered DynamoDB write request
// synchronously in a file, so the test can SIGKILL it after the n-th one.
import { appendFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials } from '../../../src/dynamodb/local.js';
import { createDynamoEventStore } from '../../../src/store/index.js';

const [endpoint, prefix, tenant, streamName, expectedArg, progressFile] = process.argv.slice(2) as string[];
const client = new DynamoDBClient({ endpoint: endpoint!, region: 'local', credentials: localCredentials });
client.middlewareStack.add(
  (next, context) => async (args) => {
    const result = await next(args);
    if (context.commandName !== 'GetItemCommand' && context.commandName !== 'QueryCommand')
      appendFileSync(progressFile!, `${context.commandName}\n`);
    return result;
  },
  { step: 'initialize', name: 'progress' },
);
const store = createDynamoEventStore({ client, tablePrefix: prefix! }).forTenant(tenant!);
appendFileSync(progressFile!, 'start\n');
const result = await store.deleteStream(
  { name: streamName! },
  expectedArg === 'none' ? null : Number(expectedArg),
);
appendFileSync(progressFile!, `done ${JSON.stringify(result)}\n`);
process.exit(0);
