/**
 * The lease part of the consumer store's contract (run by consumer-store.contract.ts): who may
 * take a lease, and that a holder who lost it writes nothing, also under real concurrency
 * against the store (Promise.all: the store decides, not the test's ordering). Time is the
 * `now` argument: no test sleeps for a lease to expire.
 */
import { describe, expect, test } from 'vitest';
import type { HeldLease, TenantConsumerStore } from '../../../src/store/index.js';
import {
  allParked,
  type ConsumerContractContext,
  consumerRequest,
  freshTenant,
  leased,
  parkedRecords,
  range,
} from './consumer-fixtures.js';

export function consumerLeaseContract(setup: () => Promise<ConsumerContractContext>) {
  const fresh = async (): Promise<TenantConsumerStore> => freshTenant((await setup()).store);

  describe('lease', () => {
    test('acquired when free: epoch 1, expiry now + ttl, on the consumer as read back', async () => {
      const tenant = await fresh();
      await tenant.create(consumerRequest('l'));
      const grant = await tenant.acquireLease('l', 'owner-1', 5000, 1_000_000);
      expect(grant?.lease).toEqual({
        name: 'l',
        incarnation: grant?.consumer.incarnation,
        owner: 'owner-1',
        epoch: 1,
        expiresAt: 1_005_000,
      });
      expect((await tenant.get('l'))?.lease).toEqual({ owner: 'owner-1', epoch: 1, expiresAt: 1_005_000 });
      expect(await tenant.acquireLease('missing', 'owner-1', 5000, 1_000_000)).toBeNull();
      expect(await tenant.get('missing')).toBeNull();
    });

    test("refused while another's lease is live; taken once it expired, with epoch + 1", async () => {
      const tenant = await fresh();
      await leased(tenant, 'l', 'a', 1000, 10_000);
      expect(await tenant.acquireLease('l', 'b', 10_000, 5000)).toBeNull();
      expect(await tenant.acquireLease('l', 'b', 10_000, 11_000)).toBeNull(); // at expiry: still live
      expect(await tenant.acquireLease('l', 'a', 10_000, 5000)).toBeNull(); // not even by its owner
      const taken = await tenant.acquireLease('l', 'b', 10_000, 11_001);
      expect(taken?.lease).toMatchObject({ owner: 'b', epoch: 2, expiresAt: 21_001 });
    });

    test('takeLease is a compare-and-swap on the lease as seen, whatever the clocks say', async () => {
      const tenant = await fresh();
      await tenant.create(consumerRequest('cas'));
      // Free: taken with the lease seen as null; then refused to anyone who saw it free.
      const first = await tenant.takeLease('cas', 'owner-1', 10_000, null, 1_000);
      expect(first?.lease).toMatchObject({ owner: 'owner-1', epoch: 1, expiresAt: 11_000 });
      expect(await tenant.takeLease('cas', 'owner-2', 10_000, null, 1_000)).toBeNull();
      const seen = (await tenant.get('cas'))?.lease ?? null;
      // The holder renews: what a rival saw is stale, so its take is refused (its clock is far ahead).
      await tenant.renewLease(first!.lease, 10_000, 3_000);
      expect(await tenant.takeLease('cas', 'owner-2', 10_000, seen, 999_999)).toBeNull();
      expect((await tenant.get('cas'))?.lease).toMatchObject({
        owner: 'owner-1',
        epoch: 1,
        expiresAt: 13_000,
      });
      // Unchanged since seen: taken (epoch + 1) even by a clock far behind its expiry.
      const unchanged = (await tenant.get('cas'))?.lease ?? null;
      const taken = await tenant.takeLease('cas', 'owner-2', 10_000, unchanged, 0);
      expect(taken?.lease).toMatchObject({ owner: 'owner-2', epoch: 2, expiresAt: 10_000 });
      expect(await tenant.renewLease(first!.lease, 10_000, 4_000)).toBeNull();
      expect(await tenant.takeLease('missing', 'owner-1', 10_000, null, 0)).toBeNull();
    });

    test('10 takers of one unchanged lease at once: exactly one wins', async () => {
      const tenant = await fresh();
      await tenant.create(consumerRequest('cas-race'));
      await tenant.acquireLease('cas-race', 'dead', 10_000, 1_000);
      const seen = (await tenant.get('cas-race'))?.lease ?? null;
      const grants = await Promise.all(
        range(1, 10).map((index) => tenant.takeLease('cas-race', `taker-${index}`, 10_000, seen, 50_000)),
      );
      const winners = grants.filter((grant) => grant !== null);
      expect(winners).toHaveLength(1);
      expect((await tenant.get('cas-race'))?.lease).toMatchObject({
        owner: winners[0]?.lease.owner,
        epoch: 2,
      });
    });

    test('renew extends the lease, which then holds past the old expiry', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'l', 'a', 1000, 10_000);
      const renewed = await tenant.renewLease(lease, 10_000, 9000);
      expect(renewed?.lease).toEqual({ ...lease, expiresAt: 19_000 });
      expect(await tenant.acquireLease('l', 'b', 10_000, 15_000)).toBeNull();
      expect((await tenant.get('l'))?.lease).toEqual({ owner: 'a', epoch: 1, expiresAt: 19_000 });
    });

    test("after a takeover the previous holder's renew, checkpoint, park and finish are refused, nothing written", async () => {
      const tenant = await fresh();
      const old = await leased(tenant, 'l', 'a', 1000, 10_000);
      await tenant.park(old, parkedRecords([3, 4]));
      await tenant.replayParked('l', [3]);
      const before = await tenant.get('l');
      const taken = await tenant.acquireLease('l', 'b', 10_000, 20_000);
      expect(taken).not.toBeNull();

      expect(await tenant.renewLease(old, 10_000, 20_000)).toBeNull();
      expect(await tenant.saveCheckpoint(old, before!.generation, 99)).toBe(false);
      expect(await tenant.park(old, parkedRecords([5, 6]))).toBe(false);
      expect(await tenant.park(old, [])).toBe(false);
      expect(await tenant.finishReplay(old, [3])).toBe(false);
      await tenant.releaseLease(old); // a no-op: the lease is b's

      const after = await tenant.get('l');
      expect(after).toEqual({ ...before, lease: { owner: 'b', epoch: 2, expiresAt: 30_000 } });
      expect(await allParked(tenant, 'l')).toEqual([4]);
      expect(await tenant.replayingPositions('l')).toEqual([3]);
    });

    test('taken again by the same owner after expiry: the earlier epoch writes nothing', async () => {
      const tenant = await fresh();
      const first = await leased(tenant, 'l', 'a', 1000, 10_000);
      const second = await tenant.acquireLease('l', 'a', 10_000, 11_001);
      expect(second?.lease).toMatchObject({ owner: 'a', epoch: 2 });
      const before = await tenant.get('l');
      expect(await tenant.renewLease(first, 10_000, 12_000)).toBeNull();
      expect(await tenant.saveCheckpoint(first, 0, 99)).toBe(false);
      expect(await tenant.park(first, parkedRecords([1]))).toBe(false);
      await tenant.releaseLease(first);
      expect(await tenant.get('l')).toEqual(before);
      expect(await allParked(tenant, 'l')).toEqual([]);
      expect(await tenant.saveCheckpoint(second!.lease, 0, 99)).toBe(true);
    });

    test('release lets another acquire at once, epoch + 1', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'l', 'a', 1000, 60_000);
      await tenant.releaseLease(lease);
      expect((await tenant.get('l'))?.lease).toBeNull();
      expect(await tenant.renewLease(lease, 60_000, 2000)).toBeNull();
      const next = await tenant.acquireLease('l', 'b', 60_000, 2000);
      expect(next?.lease).toMatchObject({ owner: 'b', epoch: 2 });
    });

    test("delete and create again under the name: the old holder's writes are refused", async () => {
      const tenant = await fresh();
      const old = await leased(tenant, 'l', 'a', 1000, 10_000);
      expect(await tenant.delete('l')).toBe(true);
      await tenant.create(consumerRequest('l', { after: 7 }));
      // The same owner takes the new consumer's lease: same owner, same epoch, another incarnation.
      const again = await tenant.acquireLease('l', 'a', 10_000, 1000);
      expect(again?.lease).toMatchObject({ owner: 'a', epoch: 1 });
      expect(again?.lease.incarnation).not.toBe(old.incarnation);
      const before = await tenant.get('l');

      expect(await tenant.renewLease(old, 10_000, 2000)).toBeNull();
      expect(await tenant.saveCheckpoint(old, 0, 99)).toBe(false);
      expect(await tenant.park(old, parkedRecords([9]))).toBe(false);
      expect(await tenant.finishReplay(old, [9])).toBe(false);
      await tenant.releaseLease(old);
      expect(await tenant.get('l')).toEqual(before);
      expect(await allParked(tenant, 'l')).toEqual([]);
    });
  });

  describe('races', () => {
    test('20 acquirers at once: exactly one wins', async () => {
      const tenant = await fresh();
      await tenant.create(consumerRequest('race'));
      const grants = await Promise.all(
        range(0, 20).map((index) => tenant.acquireLease('race', `owner-${index}`, 10_000, 1000)),
      );
      const winners = grants.filter((grant) => grant !== null);
      expect(winners).toHaveLength(1);
      expect((await tenant.get('race'))?.lease).toEqual({
        owner: winners[0]?.lease.owner,
        epoch: 1,
        expiresAt: 11_000,
      });
    });

    test("a reset racing a holder's checkpoint of the old generation: the reset's checkpoint survives", async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'race', 'a', 1000, 600_000);
      for (let round = 0; round < 10; round++) {
        const generation = (await tenant.get('race'))!.generation;
        const [saved, reset] = await Promise.all([
          tenant.saveCheckpoint(lease, generation, 1000 + round),
          tenant.reset('race', round),
        ]);
        expect(reset?.generation).toBe(generation + 1);
        expect(typeof saved).toBe('boolean');
        expect(await tenant.get('race')).toMatchObject({ checkpoint: round, generation: generation + 1 });
      }
    });

    test('park racing a takeover: no record of the loser lands after the winner acquired', async () => {
      const tenant = await fresh();
      const loser = await leased(tenant, 'race', 'a', 1000, 10_000);
      let winnerAcquired = false;
      const parks: { positions: number[]; startedAfterTakeover: boolean; parked: boolean }[] = [];
      const parking = (async () => {
        // Until three parks started after the takeover (bounded, should the takeover never come).
        for (let batch = 0; batch < 2000; batch++) {
          const positions = range(batch * 3 + 1, 3);
          const startedAfterTakeover = winnerAcquired;
          const parked = await tenant.park(loser, parkedRecords(positions));
          parks.push({ positions, startedAfterTakeover, parked });
          if (startedAfterTakeover && parks.filter((entry) => entry.startedAfterTakeover).length >= 3) return;
        }
      })();
      const takeover = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        const grant = await tenant.acquireLease('race', 'b', 10_000, 11_001);
        winnerAcquired = true;
        return grant;
      })();
      const [, grant] = await Promise.all([parking, takeover]);

      expect(grant?.lease).toMatchObject({ owner: 'b', epoch: 2 });
      expect(parks.some((entry) => entry.startedAfterTakeover)).toBe(true);
      // Once refused, always refused: the lease does not come back.
      const firstRefused = parks.findIndex((entry) => !entry.parked);
      expect(firstRefused).toBeGreaterThanOrEqual(0);
      expect(parks.slice(firstRefused).every((entry) => !entry.parked)).toBe(true);
      expect(parks.filter((entry) => entry.startedAfterTakeover).every((entry) => !entry.parked)).toBe(true);
      // Exactly the parks answered true are stored: a refused one wrote nothing.
      const accepted = parks.filter((entry) => entry.parked).flatMap((entry) => entry.positions);
      expect(await allParked(tenant, 'race')).toEqual(accepted);
    });

    test('a holder racing a deletion: nothing of it outlives the deletion', async () => {
      const tenant = await fresh();
      const lease: HeldLease = await leased(tenant, 'race', 'a', 1000, 600_000);
      await tenant.park(lease, parkedRecords([1]));
      const [deleted] = await Promise.all([
        tenant.delete('race'),
        tenant.park(lease, parkedRecords([2, 3])),
        tenant.saveCheckpoint(lease, 0, 50),
      ]);
      expect(deleted).toBe(true);
      expect(await tenant.get('race')).toBeNull();
      expect(await (await setup()).storedParkedItems(tenant.tenant, 'race')).toBe(0);
    });
  });
}
