// One tenant's burst of reads takes at most its share of the DynamoDB client's connections:
// the store runs at most `maxConcurrentReadsPerTenant` reads of a tenant at once, and another
// tenant's reads go through meanwhile.
import { describe, expect, test } from 'vitest';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

describe('reads per tenant', () => {
  test('50 concurrent filtered log reads of one tenant: at most 4 in flight; the other tenant is served', async () => {
    const client = testClient();
    const busy = uniqueTenant('busy');
    const quiet = uniqueTenant('quiet');
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    client.middlewareStack.add(
      (next) => async (args) => {
        const text = JSON.stringify((args as { input?: unknown }).input ?? {});
        const tenant = [busy, quiet].find((name) => text.includes(`T#${name}#`)) ?? 'other';
        inFlight.set(tenant, (inFlight.get(tenant) ?? 0) + 1);
        peak.set(tenant, Math.max(peak.get(tenant) ?? 0, inFlight.get(tenant)!));
        try {
          return await next(args);
        } finally {
          inFlight.set(tenant, inFlight.get(tenant)! - 1);
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    const { store } = await createTestStore(uniquePrefix('share'), {
      client,
      maxConcurrentReadsPerTenant: 4,
    });
    const busyStore = store.forTenant(busy);
    for (let i = 0; i < 5; i++) {
      await busyStore.append({ stream: { name: `s${i}` }, events: [{ type: 'Common', data: i }] });
    }
    await store.forTenant(quiet).append({ stream: { name: 'q' }, events: [{ type: 'Q', data: 0 }] });
    peak.clear();
    const burst = Array.from({ length: 50 }, () => busyStore.readLog({ filter: { types: ['Rare'] } }));
    const quietHead = await store.forTenant(quiet).headPosition();
    await Promise.all(burst);
    expect(quietHead).toBe(1);
    expect(peak.get(busy)).toBe(4);
    expect(peak.get(quiet)).toBe(1);
  });
});
