/**
 * Part of the store contract (event-store.contract.ts): listCategories — the categories that hold
 * streams, each once, in order, paged; streams without category in none; a restricted view lists
 * only the categories where it may see a stream.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { StreamRestriction, type TenantEventStore } from '../../src/store/index.js';

const event = () => ({ id: randomUUID(), type: 'Happened', data: {} });

async function allCategories(tenant: TenantEventStore, first: number): Promise<string[]> {
  const names: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await tenant.listCategories({ first, after });
    names.push(...page.edges.map((edge) => edge.node));
    if (!page.hasNextPage) return names;
    after = page.edges.at(-1)?.cursor;
  }
}

export function categoriesContract(fresh: () => Promise<TenantEventStore>) {
  describe('listCategories', () => {
    test('each category holding streams once, in order, paged; streams without category in none', async () => {
      const tenant = await fresh();
      expect((await tenant.listCategories()).edges).toEqual([]);
      // Categories whose keys share a prefix ("a", "a!", "a#b", "ab") must not hide one another.
      const categories = ['order', 'a', 'a!', 'a#b', 'ab', 'Zed', 'payment'];
      for (const category of categories) {
        for (let i = 0; i < 3; i++)
          await tenant.append({ stream: { id: randomUUID(), category }, events: [event()] });
      }
      await tenant.append({ stream: { name: 'uncategorized' }, events: [event()] });

      const all = await tenant.listCategories();
      expect(all.hasNextPage).toBe(false);
      const names = all.edges.map((edge) => edge.node);
      expect([...names].sort()).toEqual([...categories].sort());
      expect(new Set(names).size).toBe(names.length);
      expect(await allCategories(tenant, 2)).toEqual(names);
      expect(await allCategories(tenant, 1)).toEqual(names);
      const firstTwo = await tenant.listCategories({ first: 2 });
      expect(firstTwo.hasNextPage).toBe(true);
      expect(firstTwo.edges).toHaveLength(2);
    });

    test('a category whose streams are all deleted is gone; refused page sizes and cursors change nothing', async () => {
      const tenant = await fresh();
      const gone = { name: 'only-one', category: 'transient' };
      await tenant.append({ stream: gone, events: [event()] });
      await tenant.append({ stream: { name: 'stays', category: 'kept' }, events: [event()] });
      await tenant.deleteStream(gone);
      expect((await tenant.listCategories()).edges.map((edge) => edge.node)).toEqual(['kept']);
      await expect(tenant.listCategories({ first: 101 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        path: ['first'],
      });
      await expect(tenant.listCategories({ after: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        path: ['after'],
      });
    });

    test('a restricted view lists only the categories where it may see a stream', async () => {
      const tenant = await fresh();
      const allowedId = randomUUID();
      await tenant.append({ stream: { id: randomUUID(), category: 'open' }, events: [event()] });
      await tenant.append({ stream: { id: randomUUID(), category: 'hidden' }, events: [event()] });
      await tenant.append({ stream: { id: randomUUID(), category: 'mixed' }, events: [event()] });
      await tenant.append({ stream: { id: allowedId, category: 'mixed' }, events: [event()] });
      const restriction = StreamRestriction.of({ categories: ['open', 'absent'], streamIds: [allowedId] });
      // The restricted view (restricted-store.ts) passes its restriction this way.
      const page = await tenant.listCategories({ restriction });
      expect(page.edges.map((edge) => edge.node)).toEqual(['mixed', 'open']);
    });
  });
}
