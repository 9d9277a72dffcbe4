/**
 * The behaviour every ConsumerStore implementation must show: definitions, parked records and
 * replays here, the lease and the races in consumer-lease.contract.ts. Run by each
 * implementation's test file with a factory; each test uses its own random tenant.
 */
import { describe, expect, test } from 'vitest';
import {
  ConsumerExistsError,
  type ConsumerStore,
  InvalidInputError,
  type TenantConsumerStore,
} from '../../../src/store/index.js';
import {
  allParked,
  type ConsumerContractContext,
  consumerRequest,
  freshTenant,
  holdLease,
  leased,
  parkedRecords,
  range,
  webhook,
} from './consumer-fixtures.js';
import { consumerLeaseContract } from './consumer-lease.contract.js';

export function consumerStoreContract(setup: () => Promise<ConsumerContractContext>) {
  let context: ConsumerContractContext;
  const store = async (): Promise<ConsumerStore> => {
    context ??= await setup();
    return context.store;
  };
  const fresh = async (): Promise<TenantConsumerStore> => freshTenant(await store());

  describe('definitions', () => {
    test('create then get: the settings as given, checkpoint = after, generation 0, no lease', async () => {
      const tenant = await fresh();
      const now = new Date('2026-03-04T05:06:07.000Z');
      const created = await tenant.create(
        consumerRequest('orders.v1', { filter: { categories: ['order'] }, after: 42, webhook }),
        now,
      );
      const expected = {
        name: 'orders.v1',
        filter: { categories: ['order'], types: null, streamIds: null },
        checkpoint: 42,
        maxAttempts: 5,
        ackTimeoutMs: 30_000,
        webhook,
        createdAt: now,
        generation: 0,
        lease: null,
      };
      expect(created).toMatchObject(expected);
      expect(await tenant.get('orders.v1')).toEqual(created);
      expect(created.incarnation).toMatch(/^[0-9a-f-]{36}$/);
      expect(await tenant.get('other')).toBeNull();
    });

    test('a taken name is refused with ConsumerExistsError, whatever the settings, and the first stays', async () => {
      const tenant = await fresh();
      const first = await tenant.create(consumerRequest('dup', { after: 3 }));
      const error = await tenant.create(consumerRequest('dup', { after: 9, webhook })).catch((e) => e);
      expect(error).toBeInstanceOf(ConsumerExistsError);
      expect(error.code).toBe('CONSUMER_EXISTS');
      expect(await tenant.get('dup')).toEqual(first);
      const refs = await (await store()).webhookConsumers();
      expect(refs).not.toContainEqual({ tenant: tenant.tenant, name: 'dup' });
    });

    test('a malformed name is refused before anything is written', async () => {
      const tenant = await fresh();
      for (const name of ['', 'a#b', 'x'.repeat(129), 'spaced name']) {
        const error = await tenant.create(consumerRequest(name)).catch((e) => e);
        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error.path).toEqual(['name']);
      }
      expect((await tenant.list()).edges).toEqual([]);
    });

    test('list pages by name: cursors are names, first defaults to 20 and is at most 100', async () => {
      const tenant = await fresh();
      const names = range(0, 23).map((index) => `c-${String(index).padStart(2, '0')}`);
      for (const name of [...names].reverse()) await tenant.create(consumerRequest(name));
      const byDefault = await tenant.list();
      expect(byDefault.edges.map((edge) => edge.cursor)).toEqual(names.slice(0, 20));
      expect(byDefault).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const rest = await tenant.list({ first: 5, after: 'c-19' });
      expect(rest.edges.map((edge) => edge.node.name)).toEqual(['c-20', 'c-21', 'c-22']);
      expect(rest).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      const exact = await tenant.list({ first: 3, after: 'c-16' });
      expect(exact.edges.map((edge) => edge.cursor)).toEqual(['c-17', 'c-18', 'c-19']);
      expect(exact.hasNextPage).toBe(true);
      await expect(tenant.list({ first: 101 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(tenant.list({ after: 'not a name' })).rejects.toBeInstanceOf(InvalidInputError);
    });

    test('delete removes the definition, its parked records and its registry item; false when missing', async () => {
      const tenant = await fresh();
      await tenant.create(consumerRequest('hook', { webhook }));
      const lease = await holdLease(tenant, 'hook', 'relay-1', 10_000, 1000);
      expect(await tenant.park(lease, parkedRecords([4, 7, 9]))).toBe(true);
      expect(await context.storedParkedItems(tenant.tenant, 'hook')).toBe(3);
      expect(await (await store()).webhookConsumers()).toContainEqual({
        tenant: tenant.tenant,
        name: 'hook',
      });

      expect(await tenant.delete('hook')).toBe(true);
      expect(await tenant.get('hook')).toBeNull();
      expect(await context.storedParkedItems(tenant.tenant, 'hook')).toBe(0);
      expect(await (await store()).webhookConsumers()).not.toContainEqual({
        tenant: tenant.tenant,
        name: 'hook',
      });
      expect(await tenant.delete('hook')).toBe(false);
      // A consumer created again under the name starts with nothing parked.
      await tenant.create(consumerRequest('hook'));
      expect(await allParked(tenant, 'hook')).toEqual([]);
    });

    test('webhookConsumers lists the webhook consumers of every tenant, and no other', async () => {
      const [one, two] = [await fresh(), await fresh()];
      await one.create(consumerRequest('relay-me', { webhook }));
      await two.create(consumerRequest('relay-me', { webhook }));
      await two.create(consumerRequest('pull-only'));
      const refs = await (await store()).webhookConsumers();
      expect(refs).toContainEqual({ tenant: one.tenant, name: 'relay-me' });
      expect(refs).toContainEqual({ tenant: two.tenant, name: 'relay-me' });
      expect(refs).not.toContainEqual({ tenant: two.tenant, name: 'pull-only' });
    });

    test('tenants do not see each other: same name, separate consumers', async () => {
      const [one, two] = [await fresh(), await fresh()];
      await one.create(consumerRequest('same', { after: 1 }));
      expect(await two.get('same')).toBeNull();
      await two.create(consumerRequest('same', { after: 2 }));
      expect((await one.get('same'))?.checkpoint).toBe(1);
      expect((await two.list()).edges.map((edge) => edge.node.checkpoint)).toEqual([2]);
    });
  });

  describe('reset', () => {
    test('moves the checkpoint and grows the generation; null when the consumer is missing', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'r');
      expect(await tenant.saveCheckpoint(lease, 0, 10)).toBe(true);
      const reset = await tenant.reset('r', 3);
      expect(reset).toMatchObject({ checkpoint: 3, generation: 1 });
      // The holder's write of the old generation would undo the reset: refused.
      expect(await tenant.saveCheckpoint(lease, 0, 11)).toBe(false);
      expect((await tenant.get('r'))?.checkpoint).toBe(3);
      expect(await tenant.saveCheckpoint(lease, 1, 4)).toBe(true);
      expect((await tenant.get('r'))?.checkpoint).toBe(4);
      expect(await tenant.reset('missing', 1)).toBeNull();
      expect(await tenant.get('missing')).toBeNull();
    });
  });

  describe('parked events', () => {
    test('park stores records in position order, listed with cursors = positions', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'p');
      const records = parkedRecords([30, 10, 20]);
      expect(await tenant.park(lease, records)).toBe(true);
      const page = await tenant.listParked('p', { first: 2 });
      expect(page.edges.map((edge) => edge.cursor)).toEqual(['10', '20']);
      expect(page.edges[0]?.node).toEqual({ ...records[1] });
      expect(page.hasNextPage).toBe(true);
      const next = await tenant.listParked('p', { first: 2, after: '20' });
      expect(next.edges.map((edge) => edge.node.position)).toEqual([30]);
      expect(next).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      expect(await tenant.parkedPositionsAfter('p', 10)).toEqual([20, 30]);
      await expect(tenant.listParked('p', { after: 'x' })).rejects.toBeInstanceOf(InvalidInputError);
      expect((await tenant.listParked('missing')).edges).toEqual([]);
    });

    test('replayParked(null) marks every parked record: no longer listed, replaying, generation + 1', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'all');
      await tenant.park(lease, parkedRecords([5, 6, 8]));
      const consumer = await tenant.replayParked('all', null);
      expect(consumer?.generation).toBe(1);
      expect(await allParked(tenant, 'all')).toEqual([]);
      expect(await tenant.parkedPositionsAfter('all', 0)).toEqual([]);
      expect(await tenant.replayingPositions('all')).toEqual([5, 6, 8]);
      expect(await tenant.replayParked('missing', null)).toBeNull();
    });

    test('replayParked(positions) marks those only', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'some');
      await tenant.park(lease, parkedRecords([5, 6, 8]));
      expect((await tenant.replayParked('some', [8, 5, 8]))?.generation).toBe(1);
      expect(await tenant.replayingPositions('some')).toEqual([5, 8]);
      expect(await allParked(tenant, 'some')).toEqual([6]);
      expect(await tenant.parkedPositionsAfter('some', 0)).toEqual([6]);
    });

    test('replayParked with a position that is not parked: InvalidInputError naming it, nothing marked', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'bad');
      await tenant.park(lease, parkedRecords([5, 6]));
      const error = await tenant.replayParked('bad', [5, 7, 6]).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.path).toEqual(['positions', '1']);
      expect(await tenant.replayingPositions('bad')).toEqual([]);
      expect(await allParked(tenant, 'bad')).toEqual([5, 6]);
      expect((await tenant.get('bad'))?.generation).toBe(0);
    });

    test('finishReplay removes replayed records; one parked again meanwhile stays parked', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'fin');
      await tenant.park(lease, parkedRecords([1, 2, 3]));
      await tenant.replayParked('fin', null);
      // Delivered again and failed again: parked anew (the record is overwritten, not replaying).
      expect(await tenant.park(lease, parkedRecords([2], 'HTTP 502'))).toBe(true);
      expect(await tenant.finishReplay(lease, [1, 2, 3])).toBe(true);
      expect(await tenant.replayingPositions('fin')).toEqual([]);
      const parked = await tenant.listParked('fin');
      expect(parked.edges.map((edge) => [edge.node.position, edge.node.reason])).toEqual([[2, 'HTTP 502']]);
    });

    test('more records than one transaction holds: park, replay and finish in several whole transactions', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'many');
      const positions = range(1, 230);
      expect(await tenant.park(lease, parkedRecords(positions))).toBe(true);
      expect(await allParked(tenant, 'many')).toEqual(positions);
      const replayed = await tenant.replayParked('many', null);
      expect(replayed?.generation).toBeGreaterThanOrEqual(1);
      expect(await tenant.replayingPositions('many')).toEqual(positions);
      expect(await tenant.finishReplay(lease, positions)).toBe(true);
      expect(await tenant.replayingPositions('many')).toEqual([]);
      expect(await context.storedParkedItems(tenant.tenant, 'many')).toBe(0);
    });
  });

  consumerLeaseContract(async () => {
    await store();
    return context;
  });
}
