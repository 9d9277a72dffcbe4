import { connect } from 'node:net';
import { parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import type { TransportContext } from '../src/app.js';
import type { GraphQLContext } from '../src/context.js';
import { AppendEventsDocument, LogDocument } from './generated/graphql.js';
import { expectType, startTestApi, uniqueName, useTestApi } from './support/api.js';
import { appendOk, event } from './support/fixtures.js';

describe('HTTP surface', () => {
  const api = useTestApi();

  test('GraphiQL is served to a browser at /graphql, with a useful default query', async () => {
    const response = await fetch(api().url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>eventloom</title>');
    expect(html).toContain('mutation Append');
    // Self-contained: the page loads nothing from a CDN.
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
  });

  test('a client that trickles its headers is cut off after about 10 s', async () => {
    const { port } = new URL(api().url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\n');
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 1000);
    await closed;
    clearInterval(trickle);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(9);
    expect(seconds).toBeLessThan(20);
  }, 30_000);

  test('the GraphiQL page is built once, sent compressed with an ETag, and 304 to a browser that has it', async () => {
    const page = await fetch(api().url, { headers: { accept: 'text/html', 'accept-encoding': 'br, gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-encoding')).toBe('br');
    expect(Number(page.headers.get('content-length'))).toBeLessThan(3 * 1024 * 1024);
    const etag = page.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(await page.text()).toContain('<title>eventloom</title>');
    const gzip = await fetch(api().url, { headers: { accept: 'text/html', 'accept-encoding': 'gzip' } });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(gzip.headers.get('etag')).toBe(etag);
    await gzip.arrayBuffer();
    const again = await fetch(api().url, { headers: { accept: 'text/html', 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
  });

  test('other paths get 404', async () => {
    expect((await fetch(`${api().origin}/nope`)).status).toBe(404);
  });
});

describe('transports sharing the server', () => {
  test('a transport gets the server and yoga, builds contexts through getEnveloped, and is closed first on stop', async () => {
    const key = 'transport-test-key-0123456789';
    const events: string[] = [];
    let seen: TransportContext | undefined;
    const api = await startTestApi({
      apiKeys: { [key]: 'ws-tenant' },
      options: {
        transports: [
          (context) => {
            seen = context;
            return {
              async close() {
                events.push(`transport closed, server listening: ${context.server.listening}`);
              },
            };
          },
        ],
      },
    });
    await appendOk(api, { name: uniqueName() }, [event('A')], undefined, { key });

    expect(seen?.server).toBe(api.app.server);
    expect(seen?.graphqlEndpoint).toBe('/graphql');
    // What a WebSocket adapter does: the context from connectionParams, through yoga's plugins.
    const { contextFactory, execute, schema } = seen!.yoga.getEnveloped({
      connectionParams: { authorization: `Bearer ${key}` },
    } as never);
    const context = (await contextFactory()) as unknown as GraphQLContext;
    expect(context.tenant).toBe('ws-tenant');
    const result = await execute({ schema, document: parse('{ head }'), contextValue: context });
    expect(result).toEqual({ data: { head: 1 } });

    const refused = seen!.yoga.getEnveloped({ connectionParams: { authorization: 'Bearer wrong' } } as never);
    await expect(async () => refused.contextFactory()).rejects.toThrow(/Unauthorized/);

    await api.stop();
    expect(events).toEqual(['transport closed, server listening: false']);
  });
});

describe('graceful shutdown', () => {
  test('in-flight appends finish; then the server accepts nothing', async () => {
    const api = await startTestApi();
    let received = 0;
    api.app.server.on('request', () => {
      received += 1;
    });
    const name = uniqueName('shutdown');
    const appends = Array.from({ length: 10 }, (_, i) =>
      api.execute(AppendEventsDocument, { input: { stream: { name }, events: [event(`E${i}`)] } }),
    );
    while (received < appends.length) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = api.stop();

    const results = await Promise.all(appends);
    await stopped;
    for (const result of results) {
      expect(result.status).toBe(200);
      expectType(result.data!.appendEvents, 'AppendEventsSuccess');
    }
    await expect(fetch(api.url, { method: 'POST' })).rejects.toThrow();

    // Another gateway on the same tables sees all ten events, versions 1..10.
    const after = await startTestApi({ tablePrefix: api.tablePrefix });
    try {
      const { events } = await after.data(LogDocument, {});
      const versions = events.edges.filter((e) => e.node.stream.name === name).map((e) => e.node.version);
      expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await after.stop();
    }
  });

  test('stop() is idempotent', async () => {
    const api = await startTestApi();
    await Promise.all([api.app.stop(), api.app.stop()]);
    await api.stop();
  });
});
