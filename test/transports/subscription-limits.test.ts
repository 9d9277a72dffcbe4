// Abuse limits on subscriptions: a cap per WebSocket connection and a cap per tenant and
// gateway (WebSocket and SSE together), each answered with a clear SUBSCRIPTION_LIMIT error
// while the subscriptions already open keep working.
import { describe, expect, test } from 'vitest';
import { defaultOperations } from '../../src/config.js';
import { OnPositionsDocument } from '../generated/graphql.js';
import { useTestApi } from '../support/api.js';
import { subscriptionsStarted, useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'limits-key-0000000000001';
const api = useTestApi({
  apiKeys: { [key]: 'capped' },
  limits: { maxSubscriptionsPerConnection: 2, maxSubscriptionsPerTenant: 3 },
});
const clients = useSubscriptionClients();

describe('subscription caps', () => {
  test('a third subscription on one connection is refused; a fourth of the tenant on another too', async () => {
    const first = clients.ws(api().url, { key });
    const a = first.subscribe(OnPositionsDocument, {});
    const b = first.subscribe(OnPositionsDocument, {});
    await subscriptionsStarted(api().app, 'capped', 2);
    const c = first.subscribe(OnPositionsDocument, {});
    await c.ended;
    expect(c.errors[0]).toMatchObject({ extensions: { code: 'SUBSCRIPTION_LIMIT', limit: 2 } });

    const second = clients.ws(api().url, { key });
    const d = second.subscribe(OnPositionsDocument, {});
    await subscriptionsStarted(api().app, 'capped', 3);
    const e = second.subscribe(OnPositionsDocument, {});
    await e.ended;
    expect(e.errors[0]).toMatchObject({ extensions: { code: 'SUBSCRIPTION_LIMIT', limit: 3 } });
    expect(JSON.stringify(e.errors)).not.toMatch(/\n\s+at /);

    // The open ones still deliver.
    await api()
      .app.store.forTenant('capped')
      .append({ stream: { name: 'capped' }, events: [{ type: 'A', data: 1 }] });
    for (const subscription of [a, b, d]) expect((await subscription.waitFor(1)).length).toBe(1);

    // Closing one makes room again.
    a.unsubscribe();
    await until(() => api().app.subscriptions.subscriberCount('capped') === 2);
    const f = second.subscribe(OnPositionsDocument, {});
    await subscriptionsStarted(api().app, 'capped', 3);
    expect(f.errors).toEqual([]);
  });
});

describe('the mutation rate limit over WebSocket', () => {
  const wsKey = 'ws-rate-key-00000000001';
  const otherKey = 'ws-rate-key-00000000002';
  const limited = useTestApi({
    // Two keys of one tenant: each has its own tokens.
    apiKeys: { [wsKey]: 'wsrate', [otherKey]: 'wsrate' },
    operations: { ...defaultOperations, mutationRate: { perSecond: 1, burst: 2 } },
  });

  test("mutations sent over the socket spend the connection key's tokens", async () => {
    const client = clients.ws(limited().url, { key: wsKey });
    const append =
      'mutation { appendEvents(input: { stream: { name: "ws" }, events: [{ type: "A", data: 1 }] }) { __typename } }';
    const results = [];
    for (let index = 0; index < 3; index++) results.push(await client.execute(append));
    expect(results.slice(0, 2).map((result) => result.errors)).toEqual([undefined, undefined]);
    expect(results[2]?.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    const other = clients.ws(limited().url, { key: otherKey });
    expect((await other.execute(append)).errors).toBeUndefined();
    expect(await limited().app.store.forTenant('wsrate').headPosition()).toBe(3);
  });
});
