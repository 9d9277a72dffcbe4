/**
 * Counts DynamoDB calls, errors and throttles by operation with an SDK middleware placed below
 * the retry layer, so that every attempt is seen (a retried throttle counts once per attempt).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Metrics } from './metrics.js';

const throttlingErrors = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

// Middleware names must be unique per client; a client shared by two apps gets one per app.
let instances = 0;

export function instrumentDynamoDb(client: DynamoDBClient, metrics: Metrics): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      metrics.dynamoCalls.inc({ operation });
      const stop = metrics.dynamoDuration.startTimer({ operation });
      try {
        return await next(args);
      } catch (error) {
        const name = (error as { name?: string }).name ?? 'Error';
        metrics.dynamoErrors.inc({ operation, error: name });
        if (throttlingErrors.has(name)) metrics.dynamoThrottles.inc({ operation });
        throw error;
      } finally {
        stop();
      }
    },
    { step: 'deserialize', name: `eventloomMetrics${++instances}`, priority: 'high' },
  );
}
