// Operations over WebSocket get the one-line log that HTTP requests get: a query or mutation
// when answered, a subscription when it starts and when it ends, a refused document as
// rejected; tenant, operation, type, outcome and codes, never variables or data.
import { afterAll, describe, expect, test } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { OnPositionsDocument } from '../generated/graphql.js';
import { testConfig } from '../support/api.js';
import { testClient } from '../support/dynamo.js';
import { useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'ws-log-test-key-0123456789';
const lines: Array<[string, Record<string, unknown>]> = [];
const at =
  (level: string) =>
  (...args: unknown[]) => {
    if (typeof args[0] === 'object' && args[0] !== null)
      lines.push([level, args[0] as Record<string, unknown>]);
  };
const app: App = buildApp(testConfig({ apiKeys: { [key]: 'ws-log' } }), {
  client: testClient(),
  logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
});
const { url } = await app.start();
afterAll(() => app.stop());
const clients = useSubscriptionClients();
const wsLines = () => lines.filter(([, line]) => line.transport === 'ws');

describe('WebSocket operation log', () => {
  test('a query, a mutation, a refused document and a subscription each get their line', async () => {
    const client = clients.ws(url, { key });
    await client.execute('query Head { head }');
    await client.execute(
      'mutation Append { appendEvents(input: { stream: { name: "ws-log" }, events: [{ type: "Secret", data: { card: "4111" } }] }) { __typename } }',
    );
    // graphql-ws answers a refused document with an error message: the client rejects.
    await expect(client.execute('query Broken { noSuchField }')).rejects.toBeDefined();
    const sub = client.subscribe(OnPositionsDocument, { after: 0 });
    await sub.waitFor(1);
    sub.unsubscribe();
    await until(
      () => wsLines().length >= 5,
      () => JSON.stringify(wsLines()),
    );

    const summary = wsLines().map(([level, line]) => [
      level,
      line.operation,
      line.type,
      line.phase,
      line.outcome,
    ]);
    expect(summary).toEqual([
      ['info', 'Head', 'query', undefined, 'ok'],
      ['info', 'Append', 'mutation', undefined, 'ok'],
      ['info', 'Broken', 'query', undefined, 'rejected'],
      ['info', expect.any(String), 'subscription', 'start', undefined],
      ['info', expect.any(String), 'subscription', 'end', 'ok'],
    ]);
    for (const [, line] of wsLines()) {
      expect(line).toMatchObject({ msg: 'request', transport: 'ws', tenant: 'ws-log', principal: 'key' });
    }
    expect(wsLines()[2]?.[1].errorCodes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(typeof wsLines()[4]?.[1].durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toMatch(/4111|Secret|ws-log-test-key/);
  });

  test('a refused connection gets one line with the reason, never the credentials', async () => {
    const client = clients.ws(url, { key: 'ws-log-wrong-key-0123456789' });
    expect(await client.closed()).toBe(4403);
    await until(() => lines.some(([, line]) => line.msg === 'connection refused'));
    expect(lines.filter(([, line]) => line.msg === 'connection refused')).toEqual([
      ['info', { msg: 'connection refused', transport: 'ws', refused: 'invalid' }],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/ws-log-wrong-key/);
  });
});
