/**
 * Scopes (the access part of the API contract): each scope allows exactly its root fields,
 * over HTTP, WebSocket and SSE, checked before any resolver runs. A refused operation gets
 * FORBIDDEN, no data, and writes nothing; a WebSocket stays open for other operations.
 */
import { getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import { allScopes, type Scope } from '../../src/auth/principal.js';
import { fieldScopes } from '../../src/plugins/field-scopes.js';
import { schema } from '../../src/schema/index.js';
import { useTestApi } from '../support/api.js';
import { sumSamples } from '../support/gateway-process.js';
import { useSubscriptionClients, type WsClient } from '../support/subscriptions.js';

const tenant = 'scoped';
const keyOf = (scope: Scope | 'all') => `scope-test-key-${scope}-0123456789`;
const api = useTestApi({
  apiKeys: {
    ...Object.fromEntries(allScopes.map((scope) => [keyOf(scope), `${tenant}:${scope}`])),
    [keyOf('all')]: tenant,
  },
});
const clients = useSubscriptionClients();

/** One operation per root field, each valid on its own. */
const operations: Record<
  string,
  { scope: Scope | null; kind: 'query' | 'mutation' | 'subscription'; query: string }
> = {
  stream: { scope: 'read', kind: 'query', query: '{ stream(ref: { name: "s" }) { version } }' },
  streams: { scope: 'read', kind: 'query', query: '{ streams(first: 1) { edges { cursor } } }' },
  events: { scope: 'read', kind: 'query', query: '{ events(first: 1) { lastPosition } }' },
  head: { scope: 'read', kind: 'query', query: '{ head }' },
  viewer: { scope: null, kind: 'query', query: '{ viewer { tenant scopes } }' },
  appendEvents: {
    scope: 'append',
    kind: 'mutation',
    query:
      'mutation { appendEvents(input: { stream: { name: "w" }, events: [{ type: "T", data: 1 }] }) { __typename } }',
  },
  saveSnapshot: {
    scope: 'snapshot',
    kind: 'mutation',
    query:
      'mutation { saveSnapshot(input: { stream: { name: "w" }, version: 1, type: "S", data: 1 }) { __typename } }',
  },
  deleteStream: {
    scope: 'delete',
    kind: 'mutation',
    query: 'mutation { deleteStream(input: { stream: { name: "nothing-here" } }) { __typename } }',
  },
  eventBatches: {
    scope: 'subscribe',
    kind: 'subscription',
    query: 'subscription { eventBatches { caughtUp } }',
  },
};

async function post(query: string, key: string) {
  return api().post(JSON.stringify({ query }), { authorization: `Bearer ${key}` });
}

async function head(): Promise<number> {
  const result = await post('{ head }', keyOf('all'));
  return (result.data as { head: number }).head;
}

/** A query or mutation over graphql-ws: its result, or the errors of an `error` message. */
async function overWs(ws: WsClient, query: string): Promise<{ errors?: unknown }> {
  try {
    return await ws.execute(query);
  } catch (errors) {
    return { errors, viaErrorMessage: true } as { errors?: unknown };
  }
}

const forbidden = expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) });

describe('scopes over HTTP', () => {
  test('each scope allows exactly its root fields; a refusal is 403 FORBIDDEN, no data, nothing written', async () => {
    const matrix: string[] = [];
    for (const scope of allScopes) {
      for (const [field, operation] of Object.entries(operations)) {
        if (operation.kind === 'subscription') continue;
        const before = await head();
        const result = await post(operation.query, keyOf(scope));
        const allowed = operation.scope === null || operation.scope === scope;
        if (allowed) {
          expect(result.errors ?? [], `${scope} -> ${field}: ${result.text}`).not.toContainEqual(forbidden);
        } else {
          expect(result.status, `${scope} -> ${field}`).toBe(403);
          expect(result.errors).toEqual([forbidden]);
          expect(result.errors?.[0]?.extensions?.scope).toBe(operation.scope);
          expect(result.data ?? null).toBeNull();
          expect(await head()).toBe(before);
        }
        matrix.push(`${scope}:${field}=${allowed ? 'ok' : 'forbidden'}`);
      }
    }
    expect(matrix).toContain('append:appendEvents=ok');
    expect(matrix).toContain('read:appendEvents=forbidden');
  });

  test('fragments, aliases and a second field cannot smuggle a field past its scope', async () => {
    const key = keyOf('append');
    for (const query of [
      '{ ...F } fragment F on Query { head }',
      '{ ... on Query { streams(first: 1) { edges { cursor } } } }',
      '{ viewer { tenant } h: head }',
    ]) {
      const result = await post(query, key);
      expect(result.errors, query).toEqual([forbidden]);
      expect(result.data ?? null).toBeNull();
    }
    // Introspection and __typename need no scope.
    expect((await post('{ __typename }', key)).data).toEqual({ __typename: 'Query' });
    expect((await post(getIntrospectionQuery(), key)).errors).toBeUndefined();
  });

  test('viewer tells the caller its tenant and scopes', async () => {
    const result = await post('{ viewer { tenant scopes categories streamIds expiresAt } }', keyOf('read'));
    expect(result.data).toEqual({
      viewer: { tenant, scopes: ['read'], categories: null, streamIds: null, expiresAt: null },
    });
    const all = await post('{ viewer { scopes } }', keyOf('all'));
    expect(all.data).toEqual({ viewer: { scopes: [...allScopes] } });
  });
});

describe('scopes over WebSocket and SSE', () => {
  test('a refused operation gets FORBIDDEN and the connection keeps serving the others', async () => {
    const ws = clients.ws(api().url, { key: keyOf('read') });
    // An `error` message for the operation, as for any operation refused before it runs.
    const refused = await overWs(ws, operations.appendEvents!.query);
    expect(refused).toEqual({ errors: [forbidden], viaErrorMessage: true });
    const subscription = ws.subscribe(parse(operations.eventBatches!.query));
    expect(await subscription.ended).toBe('error');
    expect(subscription.errors).toEqual([forbidden]);
    // Still open: the read scope's fields work on the same connection.
    const read = await overWs(ws, '{ head }');
    expect(read.errors).toBeUndefined();
    expect(ws.closeCodes).toEqual([]);
  });

  test('subscribe allows subscriptions and nothing else; read does not allow them, over WS and SSE', async () => {
    const ws = clients.ws(api().url, { key: keyOf('subscribe') });
    const live = ws.subscribe(parse(operations.eventBatches!.query));
    await live.waitFor(1);
    expect(live.items[0]).toEqual({ eventBatches: { caughtUp: true } });
    expect((await overWs(ws, '{ head }')).errors).toEqual([forbidden]);
    live.unsubscribe();

    const sseRefused = clients.sse(
      api().url,
      parse(operations.eventBatches!.query),
      {},
      { key: keyOf('read') },
    );
    await sseRefused.ended;
    expect(sseRefused.items).toEqual([]);
    expect(JSON.stringify(sseRefused.errors) + String(sseRefused.failure())).toContain('FORBIDDEN');
    const sseAllowed = clients.sse(
      api().url,
      parse(operations.eventBatches!.query),
      {},
      { key: keyOf('subscribe') },
    );
    await sseAllowed.waitFor(1);
    expect(sseAllowed.items[0]).toEqual({ eventBatches: { caughtUp: true } });
    sseAllowed.unsubscribe();
  });
});

describe('refusals in /metrics', () => {
  test('eventloom_access_refused_total counts refusals by reason and transport, never naming a key', async () => {
    const count = async (reason: string, transport: string) =>
      sumSamples(await (await fetch(api().metricsUrl)).text(), 'eventloom_access_refused_total', {
        reason,
        transport,
      });
    const before = {
      forbidden: await count('forbidden', 'http'),
      invalid: await count('invalid', 'http'),
      missing: await count('missing', 'http'),
      ws: await count('invalid', 'ws'),
      wsForbidden: await count('forbidden', 'ws'),
    };
    await post('{ head }', keyOf('append'));
    await post('{ head }', 'not-a-configured-key-0123456789');
    await api().post(JSON.stringify({ query: '{ head }' }));
    const refusedSocket = clients.ws(api().url, { key: 'not-a-configured-key-0123456789' });
    expect(await refusedSocket.closed()).toBe(4403);
    const socket = clients.ws(api().url, { key: keyOf('append') });
    await expect(socket.execute('{ head }')).rejects.toEqual([forbidden]);
    expect(await count('forbidden', 'http')).toBe(before.forbidden + 1);
    expect(await count('invalid', 'http')).toBe(before.invalid + 1);
    expect(await count('missing', 'http')).toBe(before.missing + 1);
    expect(await count('invalid', 'ws')).toBe(before.ws + 1);
    expect(await count('forbidden', 'ws')).toBe(before.wsForbidden + 1);
    expect(await (await fetch(api().metricsUrl)).text()).not.toContain('scope-test-key');
  });
});

describe('the scope table', () => {
  test('names every root field of the schema, so a new field cannot be left open by mistake', () => {
    for (const [kind, type] of [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()],
    ] as const) {
      expect(Object.keys(fieldScopes[kind]).sort(), kind).toEqual(
        Object.keys(type?.getFields() ?? {}).sort(),
      );
    }
  });
});
