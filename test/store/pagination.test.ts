// Reads that cross DynamoDB's 1 MB page limit must follow LastEvaluatedKey and lose nothing.
import { describe, expect, test } from 'vitest';
import { createTestStore, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

describe('pagination over more than 1 MB', () => {
  test('a stream and the log of ~2.4 MB read whole, page by page', async () => {
    const { store } = await createTestStore(uniquePrefix('big'));
    const tenant = store.forTenant(uniqueTenant());
    const ref = { name: 'heavy' };
    // 12 appends of 2 events of ~100 KB: 24 events, about 2.4 MB in the stream and again in the log.
    for (let append = 0; append < 12; append++) {
      await tenant.append({
        stream: ref,
        events: [0, 1].map((k) => ({
          type: 'Heavy',
          data: { n: append * 2 + k, blob: 'b'.repeat(100 * 1024) },
        })),
      });
    }
    const whole = await tenant.readStream(ref, { first: 1000 });
    expect(whole.edges.map((edge) => edge.node.version)).toEqual(
      Array.from({ length: 24 }, (_, index) => index + 1),
    );
    expect(whole.hasNextPage).toBe(false);

    const backward = await tenant.readStream(ref, { last: 20 });
    expect(backward.edges.map((edge) => edge.node.version)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 5),
    );
    expect(backward.hasPreviousPage).toBe(true);

    const log = await tenant.readLog({ first: 1000 });
    expect(log.edges.map((edge) => edge.node.position)).toEqual(
      Array.from({ length: 24 }, (_, index) => index + 1),
    );
    expect(log.edges.map((edge) => (edge.node.data as { n: number }).n)).toEqual(
      Array.from({ length: 24 }, (_, index) => index),
    );
    expect(log.lastPosition).toBe(24);

    const deleted = await tenant.deleteStream(ref);
    expect(deleted.deletedEvents).toBe(24);
    const after = await tenant.readLog({ first: 1000 });
    expect(after.edges).toEqual([]);
    expect(after.lastPosition).toBe(24);
  });
});
