// Counts a DynamoDB client's calls by command, with an SDK middleware: what a test asserts
// about the reads and writes a request or a subscription costs.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface CallCounter {
  reset(): void;
  get(command: string): number;
  total(): number;
  /** Query + GetItem + BatchGetItem. */
  reads(): number;
  snapshot(): Record<string, number>;
}

export function countCalls(client: DynamoDBClient): CallCounter {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
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
    reads: () => get('QueryCommand') + get('GetItemCommand') + get('BatchGetItemCommand'),
    snapshot: () => Object.fromEntries(calls),
  };
}
