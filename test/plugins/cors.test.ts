/**
 * CORS (the access part of the API contract), against real gateways: unset, any origin may
 * call and none is told it may send credentials; with EVENTLOOM_CORS_ORIGINS, only those
 * origins get CORS headers, on preflights and on requests.
 */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { useTestApi } from '../support/api.js';

const open = useTestApi();
const listed = useTestApi({ cors: { origins: ['https://app.example.com', 'http://localhost:5173'] } });

function preflight(url: string, origin: string) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

function post(url: string, origin: string) {
  return fetch(url, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ head }' }),
  });
}

describe('CORS without EVENTLOOM_CORS_ORIGINS', () => {
  test('any origin may call, with authorization and content-type, never with credentials', async () => {
    const origin = 'https://anywhere.example.net';
    const answer = await preflight(open().url, origin);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    expect(answer.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    const response = await post(open().url, origin);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toContain('Origin');
  });
});

describe('CORS with EVENTLOOM_CORS_ORIGINS', () => {
  test('a listed origin gets CORS headers, without credentials', async () => {
    for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
      const answer = await preflight(listed().url, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      expect(answer.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
      const response = await post(listed().url, origin);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('vary')).toContain('Origin');
    }
  });

  test('another origin gets no CORS header on its preflight or its request', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.net', 'null']) {
      const answer = await preflight(listed().url, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.headers.get('access-control-allow-headers')).toBeNull();
      const response = await post(listed().url, origin);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  test('the variable is checked at start: each entry must be an origin', () => {
    expect(loadConfig({ EVENTLOOM_CORS_ORIGINS: ' https://a.example , http://localhost:3000' }).cors).toEqual(
      {
        origins: ['https://a.example', 'http://localhost:3000'],
      },
    );
    for (const bad of ['https://a.example/', 'a.example', 'ftp://a.example', ',']) {
      expect(() => loadConfig({ EVENTLOOM_CORS_ORIGINS: bad }), bad).toThrow(/EVENTLOOM_CORS_ORIGINS/);
    }
  });
});
