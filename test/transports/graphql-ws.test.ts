/**
 * The graphql-ws transport on a real gateway: auth at connection_init (4403), one context
 * path with HTTP (plugins and limits apply), keep-alive pings, a slow consumer that stays
 * bounded and still receives everything, and shutdown (subscriptions completed, 1001).
 */
import { describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import { defaultHubOptions } from '../../src/subscriptions/index.js';
import { graphqlWsTransport } from '../../src/transports/graphql-ws.js';
import {
  HeadDocument,
  OnEventBatchesDocument,
  OnEventsDocument,
  OnPositionsDocument,
} from '../generated/graphql.js';
import { startTestApi, type TestApi, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';
import { subscriptionsStarted, useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'graphql-ws-test-key-0123456789';
const tenant = 'ws-tenant';
const otherKey = 'graphql-ws-other-key-0123456789';
const api = useTestApi({ apiKeys: { [key]: tenant, [otherKey]: 'ws-other' } });
const clients = useSubscriptionClients();

describe('auth at connection_init', () => {
  test.each([
    ['no connectionParams', {}],
    ['no Bearer prefix', { authorization: key }],
    ['an unknown key', { authorization: 'Bearer not-a-configured-key-0000' }],
  ])('%s: the socket is closed with 4403 and no subscription starts', async (_, connectionParams) => {
    const client = clients.ws(api().url, { connectionParams });
    const sub = client.subscribe(OnEventsDocument, { after: 0 });
    expect(await client.closed()).toBe(4403);
    expect(await sub.ended).toBe('error');
    expect(sub.items).toEqual([]);
    expect(api().app.subscriptions.subscriptionCount).toBe(0);
  });

  test('a connection_init above 64 KiB is closed with 1009 unparsed; later messages may be larger', async () => {
    const open = async () => {
      const socket = new WebSocket(api().url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return socket;
    };
    const big = await open();
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
    big.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(100 * 1024) } }));
    expect(await closed).toBe(1009);

    const socket = await open();
    const messages: { type: string; id?: string }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
    await until(() => messages.some((message) => message.type === 'connection_ack'));
    const query = `{ head ${'#'.repeat(100 * 1024)}\n }`;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    await until(() => messages.some((message) => message.type === 'complete'));
    expect(messages.find((message) => message.type === 'next')).toBeDefined();
    socket.close();
  });

  test('a message above the body limit, even before connection_init, is closed with 1009 unparsed', async () => {
    const socket = new WebSocket(api().url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const huge = JSON.stringify({
      type: 'connection_init',
      payload: { authorization: `Bearer ${key}`, pad: 'x'.repeat(3 * 1024 * 1024) },
    });
    // The client's oversized message is not the gateway's internal error: no stack on stderr.
    const consoleError = vi.spyOn(console, 'error');
    socket.send(huge);
    expect(await closed).toBe(1009);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
    // The gateway still serves others.
    const client = clients.ws(api().url, { key });
    expect((await client.execute('{ head }')).data).toEqual({ head: expect.any(Number) });
  });

  test('a subscribe sent before the acknowledgement closes the socket (4401), nothing runs', async () => {
    const socket = new WebSocket(api().url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { events { id } }' } }),
    );
    expect(await closed).toBe(4401);
    expect(api().app.subscriptions.subscriptionCount).toBe(0);
  });

  test('the key chooses the tenant, as over HTTP', async () => {
    await appendOk(api(), { name: 'for-head' }, [event('A'), event('B')], undefined, { key });
    const mine = clients.ws(api().url, { key });
    const other = clients.ws(api().url, { key: otherKey });
    expect(await mine.execute('{ head }')).toEqual({ data: { head: 2 } });
    expect(await other.execute('{ head }')).toEqual({ data: { head: 0 } });
  });
});

describe('one context path with HTTP', () => {
  test("yoga's plugins apply over WebSocket: an operation above the cost limit is refused", async () => {
    const client = clients.ws(api().url, { key });
    const result = await client.execute(
      '{ events(first: 1000) { edges { node { stream { events(first: 1000) { edges { node { id } } } } } } } }',
    );
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map((error) => error.extensions?.code)).toContain('QUERY_COMPLEXITY');
  });

  test('a syntax error is a GraphQL error, not a closed socket', async () => {
    const client = clients.ws(api().url, { key });
    const sub = client.subscribe({ kind: 'Document', definitions: [] } as never);
    await sub.ended;
    expect(sub.errors.length).toBeGreaterThan(0);
    expect(await client.execute('{ head }')).toMatchObject({ data: { head: expect.any(Number) } });
    expect(client.closeCodes).toEqual([]);
  });
});

describe('keep-alive', () => {
  test('the server pings every keepAliveMs and drops a peer that stops answering', async () => {
    let gateway: TestApi | undefined;
    const sockets: WebSocket[] = [];
    try {
      gateway = await startTestApi({ options: { transports: [graphqlWsTransport({ keepAliveMs: 60 })] } });
      const open = (autoPong: boolean) => {
        const socket = new WebSocket(gateway!.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
          autoPong,
        });
        sockets.push(socket);
        let pings = 0;
        socket.on('ping', () => {
          pings++;
        });
        const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
        socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
        return { pings: () => pings, closed, socket };
      };
      const answering = open(true);
      const silent = open(false);
      await until(() => answering.pings() >= 4);
      // No pong within the next interval: terminated (an abnormal closure, seen as 1006).
      expect(await silent.closed).toBe(1006);
      expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      for (const socket of sockets) socket.terminate();
      await gateway?.stop();
    }
  });
});

describe('a slow consumer', () => {
  test('stalls its subscription without unbounded buffering, then receives every event in order', async () => {
    const { head } = await api().data(HeadDocument, {}, { key });
    const stalled = await rawSubscriber(
      api().url,
      key,
      'subscription { events(after: 0) { position data } }',
    );
    try {
      await subscriptionsStarted(api().app, tenant, 1);
      stalled.pause();

      // ~10 MB of events: more than the socket buffers hold (here about 5 MB), so the hub's
      // buffer must fill.
      const appends = 48;
      const perAppend = 25;
      const pad = 'x'.repeat(8000);
      let largest = 0;
      const watch = setInterval(() => {
        largest = Math.max(largest, api().app.subscriptions.tenantStats(tenant)?.largestBuffer ?? 0);
      }, 5);
      const overflowsBefore = api().app.subscriptions.overflows;
      try {
        for (let i = 0; i < appends; i += 4) {
          await Promise.all(
            Array.from({ length: Math.min(4, appends - i) }, (_, k) =>
              appendOk(
                api(),
                { name: `slow-${(i + k) % 3}` },
                Array.from({ length: perAppend }, (_, n) =>
                  event('Big', { n: (i + k) * perAppend + n, pad }),
                ),
                undefined,
                { key },
              ),
            ),
          );
        }
        // The socket's buffers filled up, then the subscription's: it left the live feed.
        await until(() => api().app.subscriptions.overflows > overflowsBefore);
        // Stalled, it holds at most its buffer and causes no reads.
        const reads = api().app.subscriptions.catchUpReads;
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(api().app.subscriptions.catchUpReads).toBe(reads);
      } finally {
        clearInterval(watch);
      }
      expect(largest).toBeGreaterThan(0);
      expect(largest).toBeLessThanOrEqual(defaultHubOptions.bufferSize);

      stalled.resume();
      const total = head + appends * perAppend;
      await until(
        () => stalled.positions.length >= total,
        () => `at ${stalled.positions.at(-1)}`,
        30_000,
      );
      expect(stalled.positions).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    } finally {
      stalled.close();
    }
  }, 60_000);
});

describe('shutdown', () => {
  test('subscriptions are completed, then sockets closed with 1001; SSE streams end', async () => {
    const gateway = await startTestApi();
    try {
      const client = clients.ws(gateway.url);
      const events = client.subscribe(OnEventsDocument, { after: 0 });
      const batches = client.subscribe(OnEventBatchesDocument, {});
      const sse = clients.sse(gateway.url, OnPositionsDocument, {});
      await subscriptionsStarted(gateway.app, 'default', 3);
      await appendOk(gateway, { name: 'bye' }, [event('Last')]);
      await events.waitFor(1);
      await batches.waitFor(1);
      await sse.waitFor(1);

      await gateway.stop();
      expect(await events.ended).toBe('complete');
      expect(await batches.ended).toBe('complete');
      expect(await sse.ended).toBe('complete');
      expect(await client.closed()).toBe(1001);
      expect(gateway.app.subscriptions.subscriptionCount).toBe(0);
    } finally {
      await gateway.stop();
    }
  });

  test('a subscription asked for while the gateway is stopping gets SHUTTING_DOWN (retryable)', async () => {
    const gateway = await startTestApi();
    try {
      const client = clients.ws(gateway.url);
      await gateway.app.subscriptions.close(); // what stop() does first
      const late = client.subscribe(OnEventsDocument, {});
      await late.ended;
      expect(late.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'SHUTTING_DOWN', retryable: true } }),
      ]);
    } finally {
      await gateway.stop();
    }
  });
});

/**
 * A graphql-transport-ws subscriber on a raw socket, so that the test can stop reading
 * (pause the socket) as a slow consumer would.
 */
async function rawSubscriber(url: string, apiKey: string, query: string) {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const positions: number[] = [];
  let resolveAck: () => void = () => undefined;
  const acked = new Promise<void>((resolve) => {
    resolveAck = resolve;
  });
  socket.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as {
      type: string;
      payload?: { data?: { events?: { position: number } }; errors?: unknown };
    };
    if (message.type === 'connection_ack') resolveAck();
    if (message.type === 'next') {
      const position = message.payload?.data?.events?.position;
      if (position === undefined) throw new Error(`unexpected payload ${JSON.stringify(message.payload)}`);
      positions.push(position);
    }
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } }));
  await acked;
  socket.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query } }));
  return {
    positions,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.terminate(),
  };
}
