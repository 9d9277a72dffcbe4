/**
 * Counts the DynamoDB calls a client makes, by operation, with an SDK middleware below the
 * retry layer (as the gateway's own `eventloom_dynamodb_calls_total` does): every attempt counts.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let instances = 0;

export class CallCounter {
  private readonly counts = new Map<string, number>();

  /** Adds the counting middleware to `client`; returns the client. */
  attach(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
        return next(args);
      },
      { step: 'deserialize', name: `benchCallCounter${++instances}`, priority: 'high' },
    );
    return client;
  }

  /** The calls so far, by operation. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** Calls made between two snapshots, by operation (operations with no call left out). */
export function callsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [operation, count] of Object.entries(after)) {
    const made = count - (before[operation] ?? 0);
    if (made > 0) result[operation] = made;
  }
  return result;
}

export function totalCalls(calls: Record<string, number>): number {
  return Object.values(calls).reduce((sum, count) => sum + count, 0);
}
