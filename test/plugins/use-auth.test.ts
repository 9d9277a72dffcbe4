import { describe, expect, test } from 'vitest';
import {
  HeadDocument,
  LogDocument,
  StreamDocument,
  StreamEventsDocument,
  StreamsDocument,
} from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';

const keyA = 'key-of-tenant-a-0123456789';
const keyA2 = 'second-key-of-tenant-a-9876';
const keyB = 'key-of-tenant-b-0123456789';
const api = useTestApi({ apiKeys: { [keyA]: 'tenant-a', [keyA2]: 'tenant-a', [keyB]: 'tenant-b' } });

describe('API keys', () => {
  test.each([
    ['no Authorization header', {}],
    ['an unknown key', { authorization: 'Bearer not-a-configured-key-000' }],
    ['a key without "Bearer"', { authorization: keyA }],
    ['another scheme', { authorization: `Basic ${keyA}` }],
    ['a prefix of a key', { authorization: `Bearer ${keyA.slice(0, -1)}` }],
  ])('%s gets HTTP 401 and no data', async (_, headers) => {
    const result = await api().execute(HeadDocument, {}, { headers });
    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.text).not.toContain(keyA);
  });

  test('a 401 says how to authenticate', async () => {
    const response = await fetch(api().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ head }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('a 401 comes before the request is even parsed', async () => {
    const result = await api().post('this is not JSON', {});
    expect(result.status).toBe(401);
  });

  test('mutations are refused without a key and change nothing', async () => {
    const name = uniqueName();
    const result = await api().post(
      JSON.stringify({
        query: `mutation { appendEvents(input: { stream: { name: "${name}" }, events: [{ type: "A", data: {} }] }) { __typename } }`,
      }),
    );
    expect(result.status).toBe(401);
    expect((await api().data(StreamDocument, { ref: { name } }, { key: keyA })).stream).toBeNull();
  });

  test('the GraphiQL page and /healthz need no key', async () => {
    const page = await fetch(api().url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('eventloom');
    const health = await fetch(`${api().origin}/healthz`);
    expect(health.status).toBe(200);
  });

  test('a GET query still needs a key', async () => {
    const url = new URL(api().url);
    url.searchParams.set('query', '{ head }');
    expect((await fetch(url, { headers: { accept: 'application/json' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${keyB}` } });
    expect(ok.status).toBe(200);
  });
});

describe('tenant isolation', () => {
  test('each tenant sees only its own streams, events, listings and log', async () => {
    const shared = uniqueName('shared');
    const onlyA = uniqueName('only-a');
    const a1 = await appendOk(
      api(),
      { name: shared, category: 'iso' },
      [event('A1'), event('A2')],
      undefined,
      {
        key: keyA,
      },
    );
    await appendOk(api(), { name: onlyA, category: 'iso' }, [event('A3')], undefined, { key: keyA });
    const b1 = await appendOk(api(), { name: shared, category: 'iso' }, [event('B1')], 0, { key: keyB });

    // Same stream id in both tenants, but two streams: versions and versioning are separate.
    expect(b1.stream).toMatchObject({ id: a1.stream.id, version: 1, versioned: true });
    expect(a1.stream).toMatchObject({ version: 2, versioned: false });

    // Positions count from 1 per tenant.
    expect(b1.events[0]!.position).toBe(1);
    expect((await api().data(HeadDocument, {}, { key: keyB })).head).toBe(1);
    expect((await api().data(HeadDocument, {}, { key: keyA })).head).toBe(3);

    const bStream = await api().data(
      StreamDocument,
      { ref: { name: onlyA, category: 'iso' } },
      { key: keyB },
    );
    expect(bStream.stream).toBeNull();
    const bEvents = await api().data(
      StreamEventsDocument,
      { ref: { name: shared, category: 'iso' } },
      { key: keyB },
    );
    expect(bEvents.stream?.events.edges.map((e) => e.node.type)).toEqual(['B1']);

    const bList = await api().data(StreamsDocument, { category: 'iso' }, { key: keyB });
    expect(bList.streams.edges.map((e) => e.node.name)).toEqual([shared]);
    const bLog = await api().data(LogDocument, {}, { key: keyB });
    expect(bLog.events.edges.map((e) => e.node.type)).toEqual(['B1']);
    const aLog = await api().data(LogDocument, {}, { key: keyA });
    expect(aLog.events.edges.map((e) => e.node.type)).toEqual(['A1', 'A2', 'A3']);
  });

  test('two keys of one tenant see the same data', async () => {
    const name = uniqueName();
    await appendOk(api(), { name }, [event('X')], undefined, { key: keyA2 });
    const seen = await api().data(StreamDocument, { ref: { name } }, { key: keyA });
    expect(seen.stream?.version).toBe(1);
  });
});
