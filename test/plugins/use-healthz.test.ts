import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { storeUnavailableMessage } from '../../src/errors/mask-error.js';
import { AppendEventsDocument, HeadDocument, LogDocument } from '../generated/graphql.js';
import { startTestApi, type TestApi, uniqueName } from '../support/api.js';
import { testClient } from '../support/dynamo.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

// The gateway reaches DynamoDB Local through a proxy the tests cut, as if DynamoDB went away.
let proxy: TcpProxy;
let api: TestApi;

beforeAll(async () => {
  proxy = await startTcpProxy(inject('dynamoEndpoint'));
  // One attempt per call: the test need not wait for the SDK's retries.
  api = await startTestApi({ client: testClient({ endpoint: proxy.endpoint, maxAttempts: 1 }) });
});

afterAll(async () => {
  await proxy.restore();
  await api.stop();
  api.client.destroy();
  await proxy.close();
});

async function healthz() {
  const response = await fetch(`${api.origin}/healthz`);
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('/healthz and an unreachable DynamoDB', () => {
  test('healthz is 200 while DynamoDB answers', async () => {
    expect(await healthz()).toEqual({ status: 200, body: { status: 'ok', dynamodb: true } });
  });

  test('while DynamoDB is unreachable: healthz is 503, and requests get a masked, retryable error', async () => {
    await proxy.cut();
    try {
      expect(await healthz()).toEqual({ status: 503, body: { status: 'unavailable', dynamodb: false } });

      for (const result of [
        await api.execute(HeadDocument),
        await api.execute(LogDocument, { first: 5 }),
        await api.execute(AppendEventsDocument, {
          input: { stream: { name: uniqueName() }, events: [{ type: 'A', data: {} }] },
        }),
      ]) {
        expect(result.status).toBeLessThan(500);
        expect(result.errors?.[0]).toMatchObject({
          message: storeUnavailableMessage,
          extensions: { code: 'STORE_UNAVAILABLE', retryable: true },
        });
        // Nothing of the cause: no stack, no socket error, no endpoint.
        expect(result.text).not.toMatch(/\n\s+at |ECONNREFUSED|socket|127\.0\.0\.1|originalError|stack/i);
      }
    } finally {
      await proxy.restore();
    }
  });

  test('once DynamoDB is back, so is the gateway', async () => {
    expect((await healthz()).status).toBe(200);
    const result = await api.execute(HeadDocument);
    expect(result.errors).toBeUndefined();
  });
});
