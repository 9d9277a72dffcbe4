// Compression of GraphQL JSON responses on a real gateway, over plain node:http (which, unlike
// fetch, hands over the bytes as sent): large answers come compressed as the client accepts,
// decompress to the uncompressed answer and say Vary; small answers and SSE streams do not.
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { acceptedEncoding } from '../../src/plugins/accept-encoding.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';

const api = useTestApi();

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function post(url: string, body: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The first bytes of a streaming response, then the connection is closed. */
function firstChunk(url: string, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: RawResponse['headers']; chunk: Buffer }>(
    (resolve, reject) => {
      const outgoing = request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      });
      outgoing.on('response', (response) => {
        response.once('data', (chunk: Buffer) => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, chunk });
          outgoing.destroy();
        });
      });
      outgoing.on('error', (error) => {
        if (!outgoing.destroyed) reject(error);
      });
      outgoing.end(body);
    },
  );
}

const varyOf = (headers: RawResponse['headers']) => String(headers.vary ?? '').toLowerCase();

async function seededRead(): Promise<string> {
  const name = uniqueName();
  const events = Array.from({ length: 30 }, (_, i) =>
    event('Compressible', { i, note: `event ${i} of ${name}` }),
  );
  await appendOk(api(), { name }, events);
  return JSON.stringify({
    query: `{ stream(ref: { name: "${name}" }) { events(first: 30) { edges { node { id type data position recordedAt } } } } }`,
  });
}

describe('compression of JSON responses', () => {
  test('a large answer comes as brotli or gzip, as accepted, and decompresses to the uncompressed answer', async () => {
    const body = await seededRead();
    const plain = await post(api().url, body, {});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);
    // Could have been compressed: caches must key it by Accept-Encoding.
    expect(varyOf(plain.headers)).toContain('accept-encoding');
    const answer = JSON.parse(plain.body.toString('utf8'));
    expect(answer.errors).toBeUndefined();

    const br = await post(api().url, body, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(varyOf(br.headers)).toContain('accept-encoding');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
    expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8'))).toEqual(answer);

    const gzip = await post(api().url, body, { 'accept-encoding': 'br;q=0, gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gzip.body).toString('utf8'))).toEqual(answer);

    const identity = await post(api().url, body, { 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(identity.body.toString('utf8'))).toEqual(answer);
  });

  test('a small answer is sent as it is, whatever the client accepts', async () => {
    const small = await post(api().url, JSON.stringify({ query: '{ __typename head }' }), {
      'accept-encoding': 'br, gzip',
    });
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(varyOf(small.headers)).not.toContain('accept-encoding');
    expect(JSON.parse(small.body.toString('utf8')).data.__typename).toBe('Query');
  });

  test('an SSE subscription stream is never compressed', async () => {
    await seededRead();
    const sse = await firstChunk(
      api().url,
      JSON.stringify({ query: 'subscription { events(after: 0) { id data } }' }),
      {
        accept: 'text/event-stream',
        'accept-encoding': 'br, gzip',
      },
    );
    expect(sse.status).toBe(200);
    expect(String(sse.headers['content-type'])).toMatch(/^text\/event-stream/);
    // Yoga marks its streams `Content-Encoding: none`, so that proxies leave them alone too.
    expect([undefined, 'none']).toContain(sse.headers['content-encoding']);
    expect(sse.chunk.toString('utf8')).toMatch(/^(?::|event:|data:)/m);
  });
});

describe('Accept-Encoding', () => {
  test('brotli before gzip, q=0 refuses a coding, * means gzip', () => {
    expect(acceptedEncoding(null)).toBeNull();
    expect(acceptedEncoding('')).toBeNull();
    expect(acceptedEncoding('identity')).toBeNull();
    expect(acceptedEncoding('gzip, deflate, br')).toBe('br');
    expect(acceptedEncoding('GZIP')).toBe('gzip');
    expect(acceptedEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(acceptedEncoding('br; q=0.0, gzip; q=0')).toBeNull();
    expect(acceptedEncoding('*')).toBe('gzip');
    expect(acceptedEncoding('br;q=0.1')).toBe('br');
  });
});
