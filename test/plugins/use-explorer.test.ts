/**
 * GET /explorer over HTTP on a real gateway that requires keys: the page and its files load
 * without a credential, compressed, with a strong ETag and a content security policy that keeps
 * every request on this origin; nothing else under /explorer is served.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { useTestApi } from '../support/api.js';

const api = useTestApi({ apiKeys: { 'explorer-test-key-0123456789': 'explorer' } });

async function get(path: string, headers: Record<string, string> = {}) {
  return fetch(new URL(path, api().origin), { headers });
}

describe('GET /explorer', () => {
  test('serves the page without a credential, under a same-origin content security policy', async () => {
    const response = await get('/explorer');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/explorer/explorer.js">');
    expect(html).not.toMatch(/https?:\/\//);
  });

  test('serves its script and style sheet gzipped, and 304 to a browser that has them', async () => {
    const script = await get('/explorer/explorer.js', { 'accept-encoding': 'gzip' });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-encoding')).toBe('gzip');
    const gzipped = Buffer.from(await script.arrayBuffer());
    // fetch decodes the body itself; either way it must be the bundle, which loads nothing remote.
    const body = gzipped[0] === 0x1f ? gunzipSync(gzipped).toString() : gzipped.toString();
    expect(body.length).toBeGreaterThan(1000);
    expect(body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);

    const etag = script.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{32}"$/);
    const again = await get('/explorer/explorer.js', { 'if-none-match': etag ?? '' });
    expect(again.status).toBe(304);

    const style = await get('/explorer/explorer.css');
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  test('serves nothing else under /explorer, and GraphQL still needs the key', async () => {
    expect((await get('/explorer/../package.json')).status).not.toBe(200);
    expect((await get('/explorer/secret.js')).status).toBe(404);
    const graphql = await fetch(new URL('/graphql', api().origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ head }' }),
    });
    expect(graphql.status).toBe(401);
  });
});
