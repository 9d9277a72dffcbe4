/**
 * Trusted documents (the access part of the API contract), against a real gateway: a key
 * without `manage` runs only the documents of EVENTLOOM_TRUSTED_DOCUMENTS, named by
 * `documentId` or by an automatic-persisted-query hash, over HTTP and SSE; a document sent as
 * text is refused even when its text is trusted; a key with `manage` runs anything.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { useTestApi } from '../support/api.js';
import { useSubscriptionClients } from '../support/subscriptions.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const headDocument = 'query Head { head }';
const appendDocument =
  'mutation Append($name: String!) { appendEvents(input: { stream: { name: $name }, events: [{ type: "T", data: 1 }] }) { __typename } }';
const batchesDocument = 'subscription Batches { eventBatches { caughtUp } }';
// As the client preset writes them: `sha256:<hex>` ids (one bare, as older presets wrote).
const documents = new Map([
  [`sha256:${sha256(headDocument)}`, headDocument],
  [sha256(appendDocument), appendDocument],
  [`sha256:${sha256(batchesDocument)}`, batchesDocument],
]);

const frontend = 'trusted-frontend-key-0123456789';
const adminKey = 'trusted-admin-key-0123456789';
const api = useTestApi({
  apiKeys: { [frontend]: 'trusted:read+append+subscribe', [adminKey]: 'trusted' },
  trustedDocuments: documents,
});
const clients = useSubscriptionClients();

async function send(body: object, key: string) {
  return api().post(JSON.stringify(body), { authorization: `Bearer ${key}` });
}

const forbidden = expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) });

describe('trusted documents for a principal without manage', () => {
  test('runs a trusted document named by documentId, with either id form', async () => {
    const byPrefixed = await send({ documentId: `sha256:${sha256(headDocument)}` }, frontend);
    expect(byPrefixed.status).toBe(200);
    expect(byPrefixed.data).toEqual({ head: expect.any(Number) });
    // A bare hex id names the same document as its sha256: form, both ways round.
    expect((await send({ documentId: sha256(headDocument) }, frontend)).data).toEqual({
      head: expect.any(Number),
    });
    const appended = await send(
      { documentId: `sha256:${sha256(appendDocument)}`, variables: { name: 'td' } },
      frontend,
    );
    expect(appended.data).toEqual({ appendEvents: { __typename: 'AppendEventsSuccess' } });
  });

  test('runs a trusted document named by an automatic-persisted-query hash', async () => {
    const result = await send(
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(headDocument) } } },
      frontend,
    );
    expect(result.data).toEqual({ head: expect.any(Number) });
  });

  test('refuses a document sent as text, even a trusted one, and an unknown id; nothing runs', async () => {
    const before = (await send({ documentId: sha256(headDocument) }, frontend)).data as { head: number };
    for (const body of [
      { query: headDocument },
      { query: appendDocument, variables: { name: 'text' } },
      { query: '{ head }', documentId: sha256(headDocument) },
      { documentId: `sha256:${sha256('query Other { head }')}` },
      {},
    ]) {
      const result = await send(body, frontend);
      expect(result.errors, JSON.stringify(body)).toEqual([forbidden]);
      expect(result.data ?? null).toBeNull();
    }
    expect((await send({ documentId: sha256(headDocument) }, frontend)).data).toEqual(before);
  });

  test('over SSE: a trusted subscription by documentId runs, a text one is refused', async () => {
    const url = api().url;
    const allowed = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${frontend}`,
      },
      body: JSON.stringify({ documentId: `sha256:${sha256(batchesDocument)}` }),
    });
    const reader = allowed.body!.getReader();
    let text = '';
    while (!text.includes('caughtUp')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toContain('"caughtUp":true');
    const refused = clients.sse(url, parse(batchesDocument), {}, { key: frontend });
    await refused.ended;
    expect(JSON.stringify(refused.errors) + String(refused.failure())).toContain('FORBIDDEN');
  });
});

describe('trusted documents over graphql-ws', () => {
  test('a payload names its document by documentId with an empty query; text and unknown ids are refused', async () => {
    const ws = clients.ws(api().url, { key: frontend });
    const run = (payload: Record<string, unknown>) =>
      new Promise<{ data?: unknown; errors?: unknown }>((resolve) => {
        let result: { data?: unknown; errors?: unknown } = {};
        ws.client.subscribe(payload as { query: string }, {
          next: (value) => {
            result = value;
          },
          error: (errors) => resolve({ errors }),
          complete: () => resolve(result),
        });
      });
    expect(await run({ query: '', documentId: `sha256:${sha256(headDocument)}` })).toEqual({
      data: { head: expect.any(Number) },
    });
    expect(
      await run({
        query: '',
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256(headDocument) } },
      }),
    ).toEqual({ data: { head: expect.any(Number) } });
    for (const payload of [
      { query: headDocument },
      { query: '', documentId: sha256('query Other { head }') },
      { query: '' },
    ]) {
      expect(await run(payload), JSON.stringify(payload)).toEqual({ errors: [forbidden] });
    }
    const admin = clients.ws(api().url, { key: adminKey });
    expect((await admin.execute('{ head }')).errors).toBeUndefined();
  });
});

describe('a principal with manage', () => {
  test('runs any document as text', async () => {
    expect((await send({ query: '{ head viewer { scopes } }' }, adminKey)).errors).toBeUndefined();
  });
});

describe('EVENTLOOM_TRUSTED_DOCUMENTS', () => {
  test('is read at start: a missing file or a file that is not a map of texts is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
    const good = join(dir, 'persisted-documents.json');
    writeFileSync(good, JSON.stringify(Object.fromEntries(documents)));
    expect(loadConfig({ EVENTLOOM_TRUSTED_DOCUMENTS: good }).trustedDocuments?.size).toBe(3);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ a: 1 }));
    for (const path of [bad, join(dir, 'missing.json')])
      expect(() => loadConfig({ EVENTLOOM_TRUSTED_DOCUMENTS: path })).toThrow(/EVENTLOOM_TRUSTED_DOCUMENTS/);
  });
});
