/**
 * Query.categories over HTTP on a real gateway: the tenant's categories in order with their
 * streams, paged by cursor; a restricted token sees only the categories where it may see a
 * stream (and only those streams); a page above 100 is refused with a typed error.
 */
import { describe, expect, test } from 'vitest';
import { CategoriesDocument } from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { uniqueTenant } from '../support/dynamo.js';
import { appendOk, event } from '../support/fixtures.js';
import { fakeTokens } from '../support/tokens.js';

const tenant = uniqueTenant('categories');
const key = 'categories-test-key-0123456789';
const tokens = fakeTokens();
const api = useTestApi({ apiKeys: { [key]: tenant }, options: { tokens: tokens.verifier } });

describe('Query.categories', () => {
  test('lists categories in order with their streams, paged; a restricted token sees only its own', async () => {
    const names: Record<string, string> = {};
    for (const category of ['invoice', 'customer', 'order']) {
      names[category] = uniqueName(category);
      await appendOk(api(), { name: names[category], category }, [event('Created')], undefined, { key });
    }
    await appendOk(api(), { name: uniqueName('loose') }, [event('Created')], undefined, { key });

    const all = await api().data(CategoriesDocument, { first: 10, streamsFirst: 10 }, { key });
    expect(all.categories.edges.map((edge) => edge.node.name)).toEqual(['customer', 'invoice', 'order']);
    expect(all.categories.edges[1]?.node.streams.edges.map((edge) => edge.node.name)).toEqual([
      names.invoice,
    ]);

    const first = await api().data(CategoriesDocument, { first: 2, streamsFirst: 1 }, { key });
    expect(first.categories.pageInfo.hasNextPage).toBe(true);
    const rest = await api().data(
      CategoriesDocument,
      { after: first.categories.pageInfo.endCursor, streamsFirst: 1 },
      { key },
    );
    expect(rest.categories.edges.map((edge) => edge.node.name)).toEqual(['order']);
    expect(rest.categories.pageInfo.hasNextPage).toBe(false);

    const restricted = tokens.issue({ tenant, categories: ['order', 'absent'] });
    const seen = await api().data(CategoriesDocument, { first: 10, streamsFirst: 10 }, { key: restricted });
    expect(seen.categories.edges.map((edge) => [edge.node.name, edge.node.streams.edges.length])).toEqual([
      ['order', 1],
    ]);
  });

  test('a page above 100 categories is refused with a typed error naming `first`', async () => {
    const result = await api().execute(CategoriesDocument, { first: 101, streamsFirst: 1 }, { key });
    expect(result.errors?.[0]?.message).toContain('first is an integer from 0 to 100');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.text).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
