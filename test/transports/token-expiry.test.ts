/**
 * Token expiry on long-lived connections, on a real gateway with a JWKS served by the test:
 * a WebSocket is closed with 4403 within 2 s after its token's `exp` (clock tolerance does not
 * extend it), and a reconnect with a fresh token and `after` resumes without a gap or a
 * repeat; an SSE subscription ends at `exp` with an UNAUTHENTICATED "expired" record.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { HeadDocument, OnPositionsDocument } from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';
import { nowSeconds, type SigningKey, useJwks } from '../support/jwks.js';
import { subscriptionsStarted, useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const adminKey = 'token-expiry-admin-key-0123456789';
const tenant = 'expiring';
/** The contract's bound: closed within 2 s after `exp`. */
const closeBoundMs = 2_000;
const jwks = useJwks();
const api = useTestApi({
  apiKeys: { [adminKey]: tenant },
  get jwt() {
    return { jwksUrl: jwks().url };
  },
});
const clients = useSubscriptionClients();
let key: SigningKey;
beforeAll(async () => {
  key = await jwks().createKey('ES256');
  jwks().publish(key);
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const head = async () => (await api().data(HeadDocument, {}, { key: adminKey })).head;
const append = (name: string, count: number) =>
  appendOk(
    api(),
    { name },
    Array.from({ length: count }, (_, index) => event(`E${index}`)),
    undefined,
    { key: adminKey },
  );
type Positions = { events: { position: number } };
const positionsOf = (items: Positions[]) => items.map((item) => item.events.position);

describe('over WebSocket', () => {
  test('closed with 4403 within 2 s after exp; a fresh token with `after` resumes without gap or repeat', async () => {
    const name = uniqueName('ws-expiry');
    const start = await head();
    const exp = nowSeconds() + 4;
    const token = await key.sign({ tenant, scope: 'read subscribe', sub: 'ws-user', exp });
    const first = clients.ws(api().url, { connectionParams: bearer(token) });
    let closedAt = 0;
    const closed = first.closed().then((code) => {
      closedAt = Date.now();
      return code;
    });
    const before = first.subscribe(OnPositionsDocument, { after: start });
    await subscriptionsStarted(api().app, tenant, 1);
    await append(name, 3);
    await before.waitFor(3);

    expect(await closed).toBe(4403);
    expect(closedAt).toBeGreaterThanOrEqual(exp * 1000);
    expect(closedAt).toBeLessThanOrEqual(exp * 1000 + closeBoundMs);
    expect(await before.ended).toBe('error');
    // Appended while the client is away.
    await append(name, 2);

    const checkpoint = positionsOf(before.items).at(-1) ?? start;
    const fresh = await key.sign({ tenant, scope: 'read subscribe', sub: 'ws-user' });
    const second = clients.ws(api().url, { connectionParams: bearer(fresh) });
    const after = second.subscribe(OnPositionsDocument, { after: checkpoint });
    await subscriptionsStarted(api().app, tenant, 1);
    await append(name, 2);
    const end = await head();
    await after.waitUntil((items) => positionsOf(items).at(-1) === end);

    const received = [...positionsOf(before.items), ...positionsOf(after.items)];
    const expected = Array.from({ length: end - start }, (_, index) => start + 1 + index);
    expect(received).toEqual(expected);
    expect(second.closeCodes).toEqual([]);
  });

  test('a token past exp but within the clock tolerance: HTTP accepts it, a WebSocket does not open', async () => {
    const token = await key.sign({ tenant, scope: 'read subscribe', exp: nowSeconds() - 2 });
    expect((await api().execute(HeadDocument, {}, { headers: bearer(token) })).status).toBe(200);
    const client = clients.ws(api().url, { connectionParams: bearer(token) });
    expect(await client.closed()).toBe(4403);
  });

  test('a connection whose token does not expire before the test ends stays open', async () => {
    const token = await key.sign({ tenant, scope: 'read', exp: nowSeconds() + 3600 });
    const client = clients.ws(api().url, { connectionParams: bearer(token) });
    expect((await client.execute('{ head }')).data).toEqual({ head: expect.any(Number) });
    expect(client.closeCodes).toEqual([]);
  });
});

describe('over SSE', () => {
  test('the stream ends at exp with an UNAUTHENTICATED "expired" record, and its subscription is gone', async () => {
    const name = uniqueName('sse-expiry');
    const start = await head();
    const exp = nowSeconds() + 4;
    const token = await key.sign({ tenant, scope: 'read subscribe', exp });
    const subscription = clients.sse(api().url, OnPositionsDocument, { after: start }, { key: token });
    let endedAt = 0;
    const ended = subscription.ended.then((how) => {
      endedAt = Date.now();
      return how;
    });
    expect(await subscription.status).toBe(200);
    await subscriptionsStarted(api().app, tenant, 1);
    await append(name, 2);
    await subscription.waitFor(2);

    expect(await ended).toBe('complete');
    expect(endedAt).toBeGreaterThanOrEqual(exp * 1000);
    expect(endedAt).toBeLessThanOrEqual(exp * 1000 + closeBoundMs);
    expect(positionsOf(subscription.items)).toEqual([start + 1, start + 2]);
    expect(subscription.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', reason: 'expired' } }),
    ]);
    await until(() => api().app.subscriptions.subscriptionCount === 0, 'the expired subscription to end');
  });
});
