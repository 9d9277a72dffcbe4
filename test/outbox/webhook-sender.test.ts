// sendWebhook against real HTTP servers on this machine: what the receiver gets, what each
// failure reads as, and that refused addresses are refused before anything reaches a server.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { verifyWebhookSignature } from '../../src/outbox/signature.js';
import { sendWebhook, type WebhookResult, webhookTimeoutMs } from '../../src/outbox/webhook-sender.js';

const secret = 'whsec-do-not-leak-8c1f2e';
const body = JSON.stringify({ consumer: 'orders', events: [{ id: 'e1', data: { note: 'café ☕ 注文' } }] });
const loopbackAllowed = { allowedHosts: ['127.0.0.1'] };
const noneAllowed = { allowedHosts: [] };

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  method: string | undefined;
  url: string | undefined;
}

/** A receiver on every local address (dual-stack "::"), answering with `respond`. */
async function startReceiver(respond: (response: ServerResponse) => void = (r) => r.end('ok')) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks),
        method: request.method,
        url: request.url,
      });
      respond(response);
    });
  });
  const port = await listen(server, '::');
  return { server, port, received };
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const results: WebhookResult[] = [];
async function send(
  url: string,
  options: { settings?: { allowedHosts: string[] }; timeoutMs?: number } = {},
) {
  const result = await sendWebhook({
    url,
    body,
    secret,
    deliveryId: 'delivery-7f3a',
    settings: options.settings ?? loopbackAllowed,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  results.push(result);
  return result;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(stop));
});

afterAll(() => {
  // Whatever happened, no result carried the secret or the body.
  expect(results.length).toBeGreaterThan(10);
  for (const result of results) {
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain('orders');
  }
});

describe('sendWebhook to a listed host', () => {
  test('POSTs the exact body, signed, with its delivery id; 2xx is ok', async () => {
    const receiver = await startReceiver((response) => response.writeHead(202).end('accepted'));
    servers.push(receiver.server);
    expect(await send(`http://127.0.0.1:${receiver.port}/hooks/orders?tenant=a`)).toEqual({
      ok: true,
      status: 202,
    });
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/hooks/orders?tenant=a');
    expect(request?.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(request?.headers['eventloom-delivery']).toBe('delivery-7f3a');
    expect(request?.headers['eventloom-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    // The receiver verifies over the raw bytes it got, and a change of one byte fails.
    expect(
      verifyWebhookSignature(request?.body ?? '', secret, request?.headers['eventloom-signature'] as string),
    ).toBe(true);
    expect(
      verifyWebhookSignature(`${body} `, secret, request?.headers['eventloom-signature'] as string),
    ).toBe(false);
  });

  test('bytes are sent as given; a listed hostname is resolved and reached', async () => {
    const receiver = await startReceiver((response) => response.writeHead(204).end());
    servers.push(receiver.server);
    const bytes = new Uint8Array(Buffer.from('{"consumer":"x","events":[]}'));
    const result = await sendWebhook({
      url: `http://localhost:${receiver.port}/`,
      body: bytes,
      secret,
      deliveryId: 'd-2',
      settings: { allowedHosts: ['localhost'] },
    });
    results.push(result);
    expect(result).toEqual({ ok: true, status: 204 });
    expect(receiver.received[0]?.body.equals(bytes)).toBe(true);
  });

  test('a status other than 2xx is "HTTP <status>"; a redirect is not followed', async () => {
    const failing = await startReceiver((response) => response.writeHead(500).end('boom'));
    const target = await startReceiver();
    const redirecting = await startReceiver((response) =>
      response.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end(),
    );
    servers.push(failing.server, target.server, redirecting.server);
    expect(await send(`http://127.0.0.1:${failing.port}/`)).toEqual({ ok: false, reason: 'HTTP 500' });
    expect(await send(`http://127.0.0.1:${redirecting.port}/`)).toEqual({ ok: false, reason: 'HTTP 302' });
    expect(target.received).toHaveLength(0);
  });

  test('a server that never answers is a "timeout", after timeoutMs', async () => {
    const silent = await startReceiver(() => {});
    servers.push(silent.server);
    const started = Date.now();
    expect(await send(`http://127.0.0.1:${silent.port}/`, { timeoutMs: 200 })).toEqual({
      ok: false,
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(silent.received).toHaveLength(1);
  });

  test('the caller\'s signal aborts a request waiting for its answer: "aborted", at once; an aborted signal sends nothing', async () => {
    const silent = await startReceiver(() => {});
    servers.push(silent.server);
    const url = `http://127.0.0.1:${silent.port}/`;
    const controller = new AbortController();
    const started = Date.now();
    const pending = sendWebhook({
      url,
      body,
      secret,
      deliveryId: 'd1',
      settings: loopbackAllowed,
      signal: controller.signal,
    });
    while (silent.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const result = await pending;
    results.push(result);
    expect(result).toEqual({ ok: false, reason: 'aborted' });
    expect(Date.now() - started).toBeLessThan(webhookTimeoutMs);
    const again = await sendWebhook({
      url,
      body,
      secret,
      deliveryId: 'd2',
      settings: loopbackAllowed,
      signal: controller.signal,
    });
    expect(again).toEqual({ ok: false, reason: 'aborted' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(silent.received).toHaveLength(1);
  });

  test('a closed port is "connection refused"', async () => {
    const closed = createServer();
    const port = await listen(closed, '127.0.0.1');
    await stop(closed);
    expect(await send(`http://127.0.0.1:${port}/`)).toEqual({ ok: false, reason: 'connection refused' });
    // https goes through the same guard and reasons (no TLS server here: the port is closed).
    expect(await send(`https://127.0.0.1:${port}/`)).toEqual({ ok: false, reason: 'connection refused' });
    expect(await send(`https://localhost:${port}/`, { settings: { allowedHosts: ['localhost'] } })).toEqual({
      ok: false,
      reason: 'connection refused',
    });
    expect(await send(`https://localhost:${port}/`, { settings: noneAllowed })).toEqual({
      ok: false,
      reason: 'address not allowed',
    });
  });

  test('the response body is read only up to a bound: an endless 200 is still ok, soon', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const endless = await startReceiver((response) => {
      response.writeHead(200);
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) {}
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    const stalled = await startReceiver((response) => {
      response.writeHead(200);
      response.write('partial');
    });
    servers.push(endless.server, stalled.server);
    const started = Date.now();
    expect(await send(`http://127.0.0.1:${endless.port}/`, { timeoutMs: 5000 })).toEqual({
      ok: true,
      status: 200,
    });
    expect(Date.now() - started).toBeLessThan(2500);
    // The status line came in time; a body that never ends only stops the reading at the deadline.
    expect(await send(`http://127.0.0.1:${stalled.port}/`, { timeoutMs: 200 })).toEqual({
      ok: true,
      status: 200,
    });
  });

  test('a hostname that does not resolve is "DNS lookup failed"', async () => {
    expect(await send('http://nowhere.invalid/', { settings: noneAllowed })).toEqual({
      ok: false,
      reason: 'DNS lookup failed',
    });
    expect(
      await send('http://nowhere.invalid/', { settings: { allowedHosts: ['nowhere.invalid'] } }),
    ).toEqual({
      ok: false,
      reason: 'DNS lookup failed',
    });
  });

  test('a URL or delivery id that cannot be sent is refused without a request', async () => {
    const receiver = await startReceiver();
    servers.push(receiver.server);
    expect(await send(`ftp://127.0.0.1:${receiver.port}/`)).toEqual({ ok: false, reason: 'invalid URL' });
    expect(await send(`http://user:${secret}@127.0.0.1:${receiver.port}/`)).toEqual({
      ok: false,
      reason: 'invalid URL',
    });
    const result = await sendWebhook({
      url: `http://127.0.0.1:${receiver.port}/`,
      body,
      secret,
      deliveryId: 'd\r\nx-injected: 1',
      settings: loopbackAllowed,
    });
    results.push(result);
    expect(result).toEqual({ ok: false, reason: 'invalid request' });
    expect(receiver.received).toHaveLength(0);
  });
});

describe('sendWebhook without the allowed list', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await stop(receiver.server);
  });

  test.each([
    'http://127.0.0.1:PORT/',
    'http://localhost:PORT/',
    'http://[::1]:PORT/',
    'http://10.0.0.1:PORT/',
    'http://169.254.169.254:PORT/latest/meta-data/',
    'http://[::ffff:127.0.0.1]:PORT/',
    'http://0.0.0.0:PORT/',
    'http://2130706433:PORT/',
  ])('%s is "address not allowed", and nothing reaches the server', async (url) => {
    const started = Date.now();
    expect(
      await send(url.replace('PORT', String(receiver.port)), { settings: noneAllowed, timeoutMs: 2000 }),
    ).toEqual({
      ok: false,
      reason: 'address not allowed',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(receiver.received).toHaveLength(0);
  });

  test('the same server is reachable once listed, so the refusals above were the guard', async () => {
    expect(await send(`http://127.0.0.1:${receiver.port}/`)).toEqual({ ok: true, status: 200 });
    expect(await send(`http://[::1]:${receiver.port}/`, { settings: { allowedHosts: ['::1'] } })).toEqual({
      ok: true,
      status: 200,
    });
    expect(receiver.received).toHaveLength(2);
  });
});
