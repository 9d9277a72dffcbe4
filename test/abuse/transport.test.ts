/**
 * Abuse of the transports, against a real gateway process (all traffic on 127.0.0.1): huge
 * WebSocket messages, the GraphiQL page fetched over and over, clients that trickle their
 * headers. Each test asserts the gateway's behaviour, that nothing answered 5xx, and that a
 * second tenant's `{ head }` kept working meanwhile. Timing figures belong in bench/, not here.
 */
import { Agent, get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  type GatewayProcess,
  headAnswersOk,
  scrape,
  useGatewayProcess,
  whileReadingHead,
} from '../support/gateway-process.js';

const keyA = 'abuse-transport-key-a-0123456789';
const keyB = 'abuse-transport-key-b-0123456789';
const gateway = useGatewayProcess({ env: { EVENTLOOM_API_KEYS: `${keyA}=tenantA,${keyB}=tenantB` } });

/** Runs `attack` while tenant B reads `{ head }`; fails unless every one of B's reads was served. */
async function whileTenantBReads<T>(g: GatewayProcess, attack: () => Promise<T>): Promise<T> {
  const { result, answers } = await whileReadingHead(g.url, keyB, attack);
  expect(headAnswersOk(answers)).toBeNull();
  return result;
}

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
const closeOf = (socket: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) => {
    // A peer cut off mid-send may also see a socket error; the close code is what counts.
    socket.on('error', () => undefined);
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
const nextMessage = (socket: WebSocket) =>
  new Promise<{ type?: string }>((resolve) =>
    socket.once('message', (data) => resolve(JSON.parse(String(data)) as { type?: string })),
  );

describe('finding 1: huge WebSocket messages', () => {
  test('a connection_init over 64 KiB (1 MB of nested connectionParams, no key) is closed with 1009; after a valid init, a subscribe over 2 MiB too', async () => {
    const g = gateway();
    await whileTenantBReads(g, async () => {
      // 1 MB of nesting: {"a":{"a":...}} — were it parsed, a stack bomb too.
      const depth = 170_000;
      const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const init = `{"type":"connection_init","payload":${nested}}`;
      expect(init.length).toBeGreaterThan(1_000_000);
      for (let i = 0; i < 3; i++) {
        const socket = await open(g.wsUrl);
        const closed = closeOf(socket);
        socket.send(init);
        expect((await closed).code).toBe(1009);
      }

      // A first message beyond even the 2 MiB limit of later messages: refused as it arrives.
      const beyond = await open(g.wsUrl);
      const beyondClosed = closeOf(beyond);
      beyond.send(`{"type":"connection_init","payload":{"x":"${'x'.repeat(3 * 1024 * 1024)}"}}`);
      expect((await beyondClosed).code).toBe(1009);

      // A key, an acknowledged connection, then one message over the 2 MiB limit.
      const socket = await open(g.wsUrl);
      const closed = closeOf(socket);
      const ack = nextMessage(socket);
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${keyA}` } }));
      expect((await ack).type).toBe('connection_ack');
      const huge = JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: '{ head }', variables: { padding: 'x'.repeat(2.5 * 1024 * 1024) } },
      });
      socket.send(huge);
      expect((await closed).code).toBe(1009);

      // The gateway still serves WebSockets: a normal query over a new connection.
      const fine = await open(g.wsUrl);
      const fineAck = nextMessage(fine);
      fine.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${keyB}` } }));
      expect((await fineAck).type).toBe('connection_ack');
      const answer = nextMessage(fine);
      fine.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ head }' } }));
      expect(await answer).toMatchObject({ type: 'next', payload: { data: { head: expect.any(Number) } } });
      const fineClosed = closeOf(fine);
      fine.close(1000);
      await fineClosed;
    });
  });

  // Found by this test, fixed in src/transports/message-limits.ts: ws' error for a message over
  // maxPayload no longer reaches graphql-ws' handler, which printed it to stderr with a stack.
  test('a message over 2 MiB, even without a key, prints no stack trace on stderr', async () => {
    const g = gateway();
    const offset = g.errors().length;
    const socket = await open(g.wsUrl);
    const closed = closeOf(socket);
    socket.send(`{"type":"connection_init","payload":{"x":"${'x'.repeat(3 * 1024 * 1024)}"}}`);
    expect((await closed).code).toBe(1009);
    // stderr is a pipe: give what the gateway wrote a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(g.errors().slice(offset)).not.toMatch(/\n\s+at /);
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as sent (not decompressed). */
  bytes: number;
}

function rawGet(url: string, headers: Record<string, string>, agent?: Agent): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, ...(agent ? { agent } : {}) }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

describe('finding 5: the GraphiQL page', () => {
  test('is compressed, has a strong ETag, answers 304 to If-None-Match, and 300 GETs leave memory bounded', async () => {
    const g = gateway();
    await whileTenantBReads(g, async () => {
      const html = { accept: 'text/html' };
      const br = await rawGet(g.url, { ...html, 'accept-encoding': 'br' });
      expect(br.status).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['content-type']).toMatch(/^text\/html/);
      expect(br.bytes).toBeGreaterThan(0);
      expect(br.bytes).toBeLessThan(3_000_000);
      const etag = br.headers.etag;
      expect(typeof etag).toBe('string');
      // Strong: no W/ prefix.
      expect(etag).toMatch(/^"[^"]+"$/);

      const gzip = await rawGet(g.url, { ...html, 'accept-encoding': 'gzip' });
      expect(gzip.status).toBe(200);
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.bytes).toBeLessThan(3_000_000);
      expect(gzip.headers.etag).toBe(etag);

      const cached = await rawGet(g.url, { ...html, 'accept-encoding': 'br', 'if-none-match': String(etag) });
      expect(cached.status).toBe(304);
      expect(cached.bytes).toBe(0);

      // 300 GETs, 20 at a time: the page is served from memory, not rendered again for each.
      const before = await scrape(g.metricsUrl, 'eventloom_process_resident_memory_bytes');
      expect(before).toBeGreaterThan(0);
      const agent = new Agent({ keepAlive: true, maxSockets: 20 });
      const statuses: number[] = [];
      let peak = before;
      try {
        const encodings = ['br', 'gzip'];
        await Promise.all(
          Array.from({ length: 20 }, async (_, worker) => {
            for (let i = worker; i < 300; i += 20) {
              const response = await rawGet(g.url, { ...html, 'accept-encoding': encodings[i % 2]! }, agent);
              statuses.push(response.status);
              if (i % 50 === worker) {
                peak = Math.max(peak, await scrape(g.metricsUrl, 'eventloom_process_resident_memory_bytes'));
              }
            }
          }),
        );
      } finally {
        agent.destroy();
      }
      const after = await scrape(g.metricsUrl, 'eventloom_process_resident_memory_bytes');
      expect(statuses).toHaveLength(300);
      expect(statuses.every((status) => status === 200)).toBe(true);
      // A behaviour bound, not a benchmark: 300 copies of a 9 MB page would be gigabytes.
      expect(Math.max(peak, after) - before).toBeLessThan(200 * 1024 * 1024);
    });
  });
});

describe('finding 6: slow clients', () => {
  test('sockets that trickle their request headers are closed by the server (headers timeout)', async () => {
    const g = gateway();
    await whileTenantBReads(g, async () => {
      const { port } = g;
      const count = 20;
      const trickles = Array.from({ length: count }, () => {
        const socket: Socket = connect(port, '127.0.0.1');
        let received = '';
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
        });
        socket.on('error', () => undefined);
        socket.write('GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        // One header byte every 500 ms: never a complete header block.
        const timer = setInterval(() => {
          if (!socket.destroyed) socket.write('a');
        }, 500);
        const closed = new Promise<'closed' | 'still open'>((resolve) => {
          socket.once('close', () => resolve('closed'));
          // Bounded: the headers timeout is 10 s, checked every second.
          setTimeout(() => resolve('still open'), 20_000);
        });
        return {
          socket,
          closed: closed.finally(() => clearInterval(timer)),
          received: () => received,
        };
      });
      try {
        const outcomes = await Promise.all(trickles.map((trickle) => trickle.closed));
        expect(outcomes).toEqual(Array.from({ length: count }, () => 'closed'));
        for (const trickle of trickles) {
          // Whatever the server said before closing (Node sends 408), it was not a 5xx.
          const status = /^HTTP\/1\.1 (\d{3})/.exec(trickle.received())?.[1];
          if (status !== undefined) expect(Number(status)).toBeLessThan(500);
        }
      } finally {
        for (const trickle of trickles) trickle.socket.destroy();
      }
    });
  }, 40_000);
});
