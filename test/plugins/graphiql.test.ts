// GraphiQL's default tabs are the README's tour: run in order on a fresh tenant, each one
// succeeds, and the subscription tab receives what the last append tab writes.
import { parse } from 'graphql';
import { describe, expect, test } from 'vitest';
import { graphiqlTabs } from '../../src/plugins/graphiql.js';
import { useTestApi } from '../support/api.js';
import { subscriptionsStarted, useSubscriptionClients } from '../support/subscriptions.js';

const key = 'graphiql-tabs-key-0123456789';
const api = useTestApi({ apiKeys: { [key]: 'graphiql-tour' } });
const clients = useSubscriptionClients();

describe('GraphiQL default tabs', () => {
  test('the page opens on the four tabs, with the key placeholder when keys are configured', async () => {
    const html = await (await fetch(api().url, { headers: { accept: 'text/html' } })).text();
    for (const name of ['mutation Append', 'query Read', 'subscription Follow', 'mutation AppendAgain']) {
      expect(html).toContain(name);
    }
    expect(html).toContain('Bearer <your API key>');
    expect(html).toContain('put yours in the Headers tab');
  });

  test('run in order, append, read, subscribe and append again all succeed', async () => {
    const [append, read, follow, appendAgain] = graphiqlTabs.map((tab) => tab.query);
    const post = async (query: string | undefined) => {
      const result = await api().post(JSON.stringify({ query }), { authorization: `Bearer ${key}` });
      expect(result.status).toBe(200);
      expect(result.errors).toBeUndefined();
      return result.data as Record<string, { __typename?: string } & Record<string, unknown>>;
    };
    expect((await post(append)).appendEvents?.__typename).toBe('AppendEventsSuccess');
    const readData = (await post(read)) as unknown as { stream: { version: number; versioned: boolean } };
    expect(readData.stream).toMatchObject({ version: 1, versioned: true });

    const subscription = clients.ws(api().url, { key }).subscribe(parse(follow ?? '') as never);
    await subscriptionsStarted(api().app, 'graphiql-tour', 1);
    expect((await post(appendAgain)).appendEvents?.__typename).toBe('AppendEventsSuccess');
    const [event] = (await subscription.waitFor(1)) as Array<{ events: { type: string } }>;
    expect(event?.events.type).toBe('OrderPaid');
    expect(subscription.errors).toEqual([]);
  });
});
