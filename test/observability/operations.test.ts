// The operator's view of a running gateway: /metrics (on its own listener), /readyz, one JSON log line per request
// (without data or keys), and the per-key mutation rate limit.
import { afterEach, describe, expect, test } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import type { TokenVerifier } from '../../src/auth/authenticator.js';
import { defaultOperations } from '../../src/config.js';
import { testConfig } from '../support/api.js';
import { testClient } from '../support/dynamo.js';
import { fakeTokens } from '../support/tokens.js';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

function captureLogger() {
  const lines: unknown[][] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push([level, ...args]);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

async function start(
  operations = defaultOperations,
  apiKeys = { 'operations-key-0000001': 'ops' },
  tokens?: TokenVerifier,
) {
  const { lines, logger } = captureLogger();
  const app = buildApp(
    { ...testConfig({ apiKeys }), operations },
    { client: testClient(), logger, ...(tokens ? { tokens } : {}) },
  );
  apps.push(app);
  const { url, metricsUrl } = await app.start();
  const origin = new URL(url).origin;
  if (!metricsUrl) throw new Error('the test config gives /metrics a listener');
  const post = (query: string, variables: object = {}, key = 'operations-key-0000001') =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
  return { app, url, origin, metricsUrl, post, lines };
}

const appendQuery = `mutation Append($input: AppendEventsInput!) { appendEvents(input: $input) { __typename } }`;
const secretData = { card: '4111-1111-1111-1111' };

describe('operations', () => {
  test('/metrics counts requests, appends, group commits and DynamoDB calls; /readyz follows the lifecycle', async () => {
    const { app, origin, metricsUrl, post } = await start();
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    for (let index = 0; index < 3; index++) {
      const response = await post(appendQuery, {
        input: { stream: { name: 'm' }, events: [{ type: 'A', data: secretData }] },
      });
      expect(response.status).toBe(200);
    }
    await post('query Head { head }');
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(
      /eventloom_graphql_requests_total\{operation="Append",type="mutation",outcome="ok"\} 3/,
    );
    expect(text).toMatch(/eventloom_graphql_requests_total\{operation="Head",type="query",outcome="ok"\} 1/);
    expect(text).toMatch(/eventloom_append_duration_seconds_count\{outcome="ok"\} 3/);
    expect(text).toMatch(/eventloom_commit_batch_appends_count \d+/);
    expect(text).toMatch(/eventloom_dynamodb_calls_total\{operation="TransactWriteItems"\} [1-9]/);
    expect(text).toMatch(/eventloom_process_resident_memory_bytes \d+/);
    const stopping = app.stop();
    expect((await fetch(`${origin}/readyz`).catch(() => ({ status: 503 }))).status).toBe(503);
    await stopping;
  });

  test('one JSON-able log line per request with tenant, operation, status and outcome, never data or keys', async () => {
    const { post, lines } = await start();
    await post(appendQuery, {
      input: { stream: { name: 'logged' }, events: [{ type: 'A', data: secretData }] },
    });
    await post('query Broken { nope }');
    await post('query Head { head }', {}, 'a-wrong-key-000000000000');
    const requests = lines
      .filter((line) => (line[1] as { msg?: string })?.msg === 'request')
      .map((line) => line[1]);
    expect(requests).toEqual([
      expect.objectContaining({
        tenant: 'ops',
        principal: 'key',
        operation: 'Append',
        type: 'mutation',
        status: 200,
        outcome: 'ok',
      }),
      expect.objectContaining({
        tenant: 'ops',
        operation: 'Broken',
        outcome: 'rejected',
        errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
      }),
      expect.objectContaining({ status: 401, outcome: 'rejected', refused: 'invalid' }),
    ]);
    expect((requests[2] as { tenant?: string }).tenant).toBeUndefined();
    for (const line of requests)
      expect((line as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain('4111');
    expect(everything).not.toContain('operations-key');
    expect(everything).not.toContain('a-wrong-key');
  });

  test("a token's line names its kind and tenant, never the token", async () => {
    const tokens = fakeTokens();
    const token = tokens.issue({ tenant: 'ops-token' });
    const { post, lines, metricsUrl } = await start(defaultOperations, undefined, tokens.verifier);
    expect((await post('query Head { head }', {}, token)).status).toBe(200);
    const requests = lines.filter((line) => (line[1] as { msg?: string })?.msg === 'request');
    expect(requests).toEqual([
      ['info', expect.objectContaining({ tenant: 'ops-token', principal: 'token', operation: 'Head' })],
    ]);
    expect(JSON.stringify(lines)).not.toContain(token.split('.')[1]);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(
      /eventloom_principal_operations_total\{tenant="ops-token",principal="token",transport="http"\} 1\n/,
    );
  });

  test('mutations beyond the per-key rate get 429 RATE_LIMITED and change nothing; queries pass', async () => {
    const { app, metricsUrl, post } = await start({
      ...defaultOperations,
      mutationRate: { perSecond: 1, burst: 2 },
    });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index++) {
      const response = await post(appendQuery, {
        input: { stream: { name: 'limited' }, events: [{ type: 'A', data: index }] },
      });
      statuses.push(response.status);
      if (response.status === 429) {
        const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
        expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
        expect(response.headers.get('retry-after')).toBe('1');
      }
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect((await post('query Head { head }')).status).toBe(200);
    expect(await app.store.forTenant('ops').headPosition()).toBe(2);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/eventloom_rate_limited_total\{limit="mutations"\} 2/);
  });

  test('/metrics is not on the API port: it has its own listener, which serves nothing else', async () => {
    const { origin, metricsUrl, post } = await start();
    await post('query SecretTenantOperation { head }');
    const onApi = await fetch(`${origin}/metrics`);
    expect(onApi.status).not.toBe(200);
    expect(await onApi.text()).not.toContain('SecretTenantOperation');
    expect(new URL(metricsUrl).port).not.toBe(new URL(origin).port);
    const scraped = await fetch(metricsUrl);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('operation="SecretTenantOperation"');
    const elsewhere = await fetch(new URL('/graphql', metricsUrl));
    expect(elsewhere.status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(404);
  });

  test('client-chosen operation names cannot grow /metrics: long or too many names count as "other"', async () => {
    const { metricsUrl, post, lines } = await start();
    const before = (await (await fetch(metricsUrl)).text()).length;
    for (let i = 0; i < 400; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => post(`query Name${i + j}${'x'.repeat(40)} { head }`)),
      );
    }
    const longName = `L${'o'.repeat(200_000)}`;
    expect((await post(`query ${longName} { head }`)).status).toBe(200);
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    const text = await response.text();
    // 200 distinct names at most, each under 64 characters, plus "other".
    expect(text.length - before).toBeLessThan(200 * 2 * 1500);
    expect(text).toContain('operation="other"');
    expect(text).not.toContain('ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo');
    expect(JSON.stringify(lines).length).toBeLessThan(2_000_000);
  });

  test("a client's mistake (a bad cursor) is one request line at warn, not an error with its fields", async () => {
    const { post, lines } = await start();
    const response = await post('query BadCursor { streams(after: "garbage") { edges { cursor } } }');
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('BAD_USER_INPUT');
    expect(lines.filter(([level]) => level === 'error')).toEqual([]);
    const requestLines = lines.filter(([, line]) => (line as { msg?: string }).msg === 'request');
    expect(requestLines.map(([level]) => level)).toEqual(['warn']);
    expect(requestLines[0]?.[1]).toMatchObject({ operation: 'BadCursor', errorCodes: ['BAD_USER_INPUT'] });
    expect(JSON.stringify(requestLines).length).toBeLessThan(600);
  });

  test('malformed JSON is one request line, rejected with its code, and no error log', async () => {
    const { url, lines } = await start();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer operations-key-0000001' },
      body: '{"query": "{ head }"',
    });
    expect(JSON.stringify(await response.json())).toContain('BAD_REQUEST');
    expect(lines.filter(([level]) => level === 'error')).toEqual([]);
    const requestLines = lines.filter(([, line]) => (line as { msg?: string }).msg === 'request');
    expect(requestLines.map(([level]) => level)).toEqual(['info']);
    expect(requestLines[0]?.[1]).toMatchObject({ outcome: 'rejected', errorCodes: ['BAD_REQUEST'] });
  });
});
