// A tenant's read budget on DynamoDB Local: its excess waits or is refused with RATE_LIMITED,
// and spends nothing when refused; another tenant's reads are not touched. Over the API the
// refusal is HTTP 429 with Retry-After; subscriptions that meet it wait and resume.
import { afterAll, describe, expect, test } from 'vitest';
import { defaultOperations } from '../../src/config.js';
import { RateLimitedError, type RecordedEvent } from '../../src/store/index.js';
import { combineObservers } from '../../src/store/observers.js';
import { SubscriptionHub } from '../../src/subscriptions/index.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { countCalls, createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('read budget per tenant', () => {
  test("a burst of 100 reads: the budget's worth is served, the rest refused without a DynamoDB call; the other tenant is served", async () => {
    const client = testClient();
    const calls = countCalls(client);
    const limited: string[] = [];
    const { store } = await createTestStore(uniquePrefix('budget'), {
      client,
      readBudget: { perSecond: 50, burst: 20, maxWaitMs: 200 },
      observer: { onReadLimited: (_tenant, outcome) => limited.push(outcome) },
    });
    cleanups.push(() => store.close());
    const busy = store.forTenant(uniqueTenant('busy'));
    const quiet = store.forTenant(uniqueTenant('quiet'));
    calls.reset();
    const burst = await Promise.allSettled(Array.from({ length: 100 }, () => busy.headPosition()));
    const quietReads = await Promise.allSettled(Array.from({ length: 20 }, () => quiet.headPosition()));

    const served = burst.filter((result) => result.status === 'fulfilled').length;
    const refused = burst.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    // 20 at once and 10 more reserved within the 200 ms wait (50/s); one more if the burst
    // itself took over 20 ms to send.
    expect(served).toBeGreaterThanOrEqual(30);
    expect(served).toBeLessThanOrEqual(31);
    expect(refused).toHaveLength(100 - served);
    for (const error of refused) {
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(200);
    }
    expect(quietReads.every((result) => result.status === 'fulfilled')).toBe(true);
    // Refused reads never reached DynamoDB.
    expect(calls.get('GetItemCommand')).toBe(served + 20);
    expect(limited.filter((outcome) => outcome === 'delayed')).toHaveLength(served - 20);
    expect(limited.filter((outcome) => outcome === 'refused')).toHaveLength(100 - served);
    // The refusal said when to come back; then the tenant is served again.
    await new Promise((resolve) => setTimeout(resolve, (refused[0] as RateLimitedError).retryAfterMs));
    await expect(busy.headPosition()).resolves.toBe(0);
  });

  test('a read is weighed by the items it examines: two reads of 1,024 log entries spend a budget of 20', async () => {
    const { store } = await createTestStore(uniquePrefix('budget-weight'), {
      readBudget: { perSecond: 1, burst: 20, maxWaitMs: 0 },
    });
    cleanups.push(() => store.close());
    const tenant = store.forTenant(uniqueTenant('weighed'));
    for (let i = 0; i < 32; i++) {
      await tenant.append({
        stream: { name: `w${i}` },
        events: Array.from({ length: 32 }, (_, j) => ({ type: 'Common', data: j })),
      });
    }
    // 1,024 events; a filtered read of a 999-event page that matches nothing examines them in
    // Queries of 1,000 and 24 items: 2 calls, but 11 tokens. Counted by calls, 20 would last
    // for 10 such reads; weighed, the second is refused.
    await tenant.readLog({ first: 999, filter: { types: ['Rare'] } });
    await expect(tenant.readLog({ first: 999, filter: { types: ['Rare'] } })).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });

  test('over the API: HTTP 429 with Retry-After and RATE_LIMITED for the tenant over budget, 200 for another', async () => {
    const api: TestApi = await startTestApi({
      apiKeys: { 'budget-key-busy-000001': 'busy', 'budget-key-quiet-00001': 'quiet' },
      operations: { ...defaultOperations, tenantReadRate: { perSecond: 5, burst: 5 } },
    });
    cleanups.push(() => api.stop());
    const heads = `{ ${Array.from({ length: 12 }, (_, i) => `h${i}: head`).join(' ')} }`;
    const post = (query: string, key: string) =>
      fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query }),
      });
    const response = await post(heads, 'budget-key-busy-000001');
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    const body = (await response.json()) as {
      errors: Array<{ message: string; extensions: { code: string; retryAfterSeconds: number } }>;
    };
    expect(body.errors.length).toBeGreaterThan(0);
    for (const error of body.errors) {
      expect(error.extensions.code).toBe('RATE_LIMITED');
      expect(error.extensions.retryAfterSeconds).toBe(retryAfter);
      expect(error.message).not.toMatch(/dynamo|stack|at \w+ \(/i);
    }
    const quiet = await post('{ head }', 'budget-key-quiet-00001');
    expect(quiet.status).toBe(200);
    expect(await quiet.json()).toEqual({ data: { head: 0 } });
  });

  test('40 filtered catch-up subscriptions from position 0 on a tight budget: all wait their turn, none ends, each gets every match', async () => {
    const client = testClient();
    const limited: string[] = [];
    const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 100 }, pageSize: 20 });
    const { store } = await createTestStore(uniquePrefix('budget-subs'), {
      client,
      readBudget: { perSecond: 150, burst: 30, maxWaitMs: 50 },
      observer: combineObservers([
        hub.observer,
        { onReadLimited: (_tenant, outcome) => void limited.push(outcome) },
      ]),
    });
    cleanups.push(async () => {
      await hub.close();
      await store.close();
    });
    const tenant = store.forTenant(uniqueTenant('catchup'));
    for (let i = 0; i < 20; i++) {
      await tenant.append({
        stream: { name: `s${i % 4}` },
        events: Array.from({ length: 10 }, (_, j) => ({ type: j % 5 === 0 ? 'Rare' : 'Common', data: j })),
      });
    }
    const subscriptions = await Promise.all(
      Array.from({ length: 40 }, () => hub.events(tenant, { after: 0, filter: { types: ['Rare'] } })),
    );
    const received = await Promise.all(
      subscriptions.map(async (subscription) => {
        const events: RecordedEvent[] = [];
        for await (const event of subscription) {
          events.push(event);
          if (events.length === 40) break;
        }
        return events;
      }),
    );
    for (const events of received) {
      expect(events.map((event) => event.type)).toEqual(Array(40).fill('Rare'));
      expect(new Set(events.map((event) => event.position)).size).toBe(40);
    }
    // The budget was in the way, and the subscriptions went on regardless.
    expect(limited.filter((outcome) => outcome === 'refused').length).toBeGreaterThan(0);
  }, 60_000);
});
