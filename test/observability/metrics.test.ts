import { describe, expect, test } from 'vitest';
import { instrumentDynamoDb } from '../../src/observability/instrument-dynamodb.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('metrics', () => {
  test('DynamoDB calls, throttles and group-commit batches are counted', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const client = testClient({ maxAttempts: 3 });
    let throttle = 1;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetItemCommand' && throttle-- > 0) {
          throw Object.assign(new Error('slow down'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
            $retryable: { throttling: true },
          });
        }
        return next(args);
      },
      { step: 'deserialize', name: 'throttleOnce', priority: 'low' },
    );
    instrumentDynamoDb(client, metrics);
    const { store } = await createTestStore(uniquePrefix('metrics'), {
      client,
      observer: metrics.storeObserver,
    });
    const tenant = store.forTenant(uniqueTenant());
    await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        tenant.append({ stream: { name: `m${index}` }, events: [{ type: 'A', data: 1 }] }),
      ),
    );
    await tenant.headPosition();
    metrics.gauge('eventloom_test_gauge', 'a test gauge', ['tenant'], () => [
      { labels: { tenant: 'x' }, value: 7 },
    ]);

    const text = await metrics.text();
    expect(
      sample(text, 'eventloom_dynamodb_calls_total', 'operation="TransactWriteItems"'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'eventloom_dynamodb_calls_total', 'operation="GetItem"')).toBe(2);
    expect(sample(text, 'eventloom_dynamodb_throttles_total', 'operation="GetItem"')).toBe(1);
    expect(
      sample(text, 'eventloom_dynamodb_errors_total', 'operation="GetItem",error="ThrottlingException"'),
    ).toBe(1);
    expect(text).toMatch(/eventloom_commit_batch_appends_sum \d+/);
    const appends = Number(/eventloom_commit_batch_appends_sum (\d+)/.exec(text)?.[1]);
    const batches = Number(/eventloom_commit_batch_appends_count (\d+)/.exec(text)?.[1]);
    expect(appends).toBe(6);
    expect(batches).toBeLessThan(6);
    expect(sample(text, 'eventloom_test_gauge', 'tenant="x"')).toBe(7);
    expect(text).toMatch(/eventloom_append_duration_seconds_count\{outcome="ok"\} 6/);
  });
});
