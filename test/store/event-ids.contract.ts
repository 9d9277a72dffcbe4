/**
 * Part of the store contract (event-store.contract.ts): event ids are unique within a tenant
 * (the clients part of the API contract). An id stored in any stream of the tenant is refused
 * elsewhere with InvalidInputError on that id, and nothing is stored; the idempotent retry to
 * the same stream is unchanged; a deleted stream's ids are free again; tenants do not share ids.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { TenantEventStore } from '../../src/store/index.js';

const one = (id: string, type = 'Happened') => ({ id, type, data: { id } });

/** What a refused append must leave: no stream, the log where it was. */
async function expectNothingStored(
  tenant: TenantEventStore,
  name: string,
  category: string | null,
  head: number,
) {
  expect(await tenant.getStream({ name, category })).toBeNull();
  expect(await tenant.headPosition()).toBe(head);
}

export function eventIdContract(fresh: () => Promise<TenantEventStore>) {
  describe('event ids are unique within a tenant', () => {
    test('an id stored in one stream is refused in any other, with its path, and nothing is stored', async () => {
      const tenant = await fresh();
      const id = randomUUID();
      await tenant.append({ stream: { name: 'first', category: 'order' }, events: [one(id)] });
      // Another stream, the same name in another category, and no category at all.
      for (const stream of [
        { name: 'second', category: 'order' },
        { name: 'first', category: 'invoice' },
        { name: 'first', category: null },
      ]) {
        await expect(tenant.append({ stream, events: [one(id)] })).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          path: ['events', '0', 'id'],
        });
        await expectNothingStored(tenant, stream.name, stream.category, 1);
      }
      // Among new ids, the path names the stored one; an existing stream is not changed either.
      await tenant.append({ stream: { name: 'third' }, expectedVersion: 0, events: [one(randomUUID())] });
      await expect(
        tenant.append({
          stream: { name: 'third' },
          expectedVersion: 1,
          events: [one(randomUUID()), one(id)],
        }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', path: ['events', '1', 'id'] });
      expect((await tenant.getStream({ name: 'third' }))?.version).toBe(1);
      expect(await tenant.headPosition()).toBe(2);
    });

    test('the idempotent retry to the same stream still answers with the stored events', async () => {
      const tenant = await fresh();
      const events = [one(randomUUID()), one(randomUUID())];
      const stored = await tenant.append({ stream: { name: 'order-9' }, expectedVersion: 0, events });
      const retry = await tenant.append({ stream: { name: 'order-9' }, expectedVersion: 0, events });
      expect(retry.replayed).toBe(true);
      expect(retry.events).toEqual(stored.events);
      // The same two ids to another stream are not a retry.
      await expect(tenant.append({ stream: { name: 'order-10' }, events })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        path: ['events', '0', 'id'],
      });
      expect(await tenant.headPosition()).toBe(2);
    });

    test('one id twice in one append is refused the same way', async () => {
      const tenant = await fresh();
      const id = randomUUID();
      await expect(
        tenant.append({ stream: { name: 'twice' }, events: [one(id), one(randomUUID()), one(id)] }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', path: ['events', '2', 'id'] });
      await expectNothingStored(tenant, 'twice', null, 0);
    });

    test("a deleted stream's ids may be used again, in another stream or the same one", async () => {
      const tenant = await fresh();
      const ids = [randomUUID(), randomUUID()];
      await tenant.append({ stream: { name: 'gone' }, events: ids.map((id) => one(id)) });
      await tenant.deleteStream({ name: 'gone' });
      const moved = await tenant.append({ stream: { name: 'kept' }, events: [one(ids[0]!)] });
      expect(moved.replayed).toBe(false);
      expect(moved.events[0]).toMatchObject({ id: ids[0], version: 1, position: 3 });
      const again = await tenant.append({ stream: { name: 'gone' }, events: [one(ids[1]!)] });
      expect(again.events[0]).toMatchObject({ id: ids[1], version: 1, position: 4 });
      // Taken again now.
      await expect(tenant.append({ stream: { name: 'gone' }, events: [one(ids[0]!)] })).rejects.toMatchObject(
        {
          code: 'INVALID_INPUT',
        },
      );
    });

    test('tenants do not share ids', async () => {
      const [a, b] = [await fresh(), await fresh()];
      const id = randomUUID();
      await a.append({ stream: { name: 'same' }, events: [one(id)] });
      const other = await b.append({ stream: { name: 'elsewhere' }, events: [one(id)] });
      expect(other.events[0]?.id).toBe(id);
      expect(other.replayed).toBe(false);
    });

    test('two appends with one new id to two streams at once: exactly one is stored', async () => {
      const tenant = await fresh();
      for (let round = 0; round < 5; round++) {
        const id = randomUUID();
        const outcomes = await Promise.allSettled(
          ['left', 'right'].map((name) =>
            tenant.append({ stream: { name: `${name}-${round}` }, events: [one(id)] }),
          ),
        );
        const stored = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const refused = outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [outcome.reason] : [],
        );
        expect(stored).toHaveLength(1);
        expect(refused).toEqual([
          expect.objectContaining({ code: 'INVALID_INPUT', path: ['events', '0', 'id'] }),
        ]);
      }
      expect(await tenant.headPosition()).toBe(5);
    });
  });
}
