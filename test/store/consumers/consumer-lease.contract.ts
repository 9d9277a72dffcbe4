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
  holdLease,
  leased,
  parkedRecords,
  range,
} from './consumer-fixtures.js';

export function consumerLeaseContract(setup: () => Promise<ConsumerContractContext>) {
  const fresh = async (): Promise<TenantConsumerStore> => freshTenant((await setup()).store);

  describe('lease', () => {
    test('taken when free (seen null): epoch 1, expiry now + ttl, on the consumer as read back', async () => {
      const tenant = await fresh();
      await tenant.create(consumerRequest('l'));
      const grant = await tenant.takeLease('l', 'owner-1', 5000, null, 1_000_000);
      expect(grant?.lease).toEqual({
        name: 'l',
        incarnation: grant?.consumer.incarnation,
        owner: 'owner-1',
        epoch: 1,
        expiresAt: 1_005_000,
      });
      expect((await tenant.get('l'))?.lease).toEqual({ owner: 'owner-1', epoch: 1, expiresAt: 1_005_000 });
      expect(await tenant.takeLease('missing', 'owner-1', 5000, null, 1_000_000)).toBeNull();
      expect(await tenant.get('missing')).toBeNull();
    });

    test('refused unless the lease is exactly as seen (owner, epoch, expiry), whatever the clock; then taken, epoch + 1', async () => {
      const tenant = await fresh();
      await leased(tenant, 'l', 'a', 1000, 10_000);
      const seen = (await tenant.get('l'))!.lease!;
      const notAsSeen = [
        null,
        { ...seen, owner: 'b' },
        { ...seen, epoch: 2 },
        { ...seen, expiresAt: 11_001 },
      ];
      for (const wrong of notAsSeen) {
        // A clock far past the expiry does not help a taker who saw another lease.
        expect(await tenant.takeLease('l', 'b', 10_000, wrong, 999_999)).toBeNull();
      }
      expect(await tenant.takeLease('l', 'a', 10_000, null, 5000)).toBeNull(); // not even by its owner
      expect((await tenant.get('l'))?.lease).toEqual(seen);
      // As seen: taken, whether the taker's clock is before, at or past the expiry.
      const taken = await tenant.takeLease('l', 'b', 10_000, seen, 11_000);
      expect(taken?.lease).toMatchObject({ owner: 'b', epoch: 2, expiresAt: 21_000 });
    });

    test('a stale seen is refused: the lease since released or taken over, or the consumer deleted', async () => {
      const tenant = await fresh();
      const first = await leased(tenant, 'l', 'a', 1000, 10_000);
      const seenHeld = (await tenant.get('l'))?.lease ?? null;
      await tenant.releaseLease(first);
      expect(await tenant.takeLease('l', 'b', 10_000, seenHeld, 50_000)).toBeNull();
      const second = await tenant.takeLease('l', 'b', 10_000, null, 50_000);
      expect(second?.lease).toMatchObject({ owner: 'b', epoch: 2, expiresAt: 60_000 });
      // Taken over: seen free, or seen as a held it, is stale for anyone, a included.
      expect(await tenant.takeLease('l', 'c', 10_000, null, 50_000)).toBeNull();
      expect(await tenant.takeLease('l', 'a', 10_000, seenHeld, 50_000)).toBeNull();
      const before = await tenant.get('l');
      expect(before?.lease).toEqual({ owner: 'b', epoch: 2, expiresAt: 60_000 });
      expect(await tenant.delete('l')).toBe(true);
      expect(await tenant.takeLease('l', 'c', 10_000, before?.lease ?? null, 999_999)).toBeNull();
      expect(await tenant.takeLease('l', 'c', 10_000, null, 999_999)).toBeNull();
      expect(await tenant.get('l')).toBeNull(); // a refused take creates nothing
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
      await leased(tenant, 'cas-race', 'dead', 1_000, 10_000);
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

    test('renew extends the lease: a taker who saw it before the renewal is refused, past the old expiry too', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'l', 'a', 1000, 10_000);
      const seenBefore = (await tenant.get('l'))?.lease ?? null;
      const renewed = await tenant.renewLease(lease, 10_000, 9000);
      expect(renewed?.lease).toEqual({ ...lease, expiresAt: 19_000 });
      expect(await tenant.takeLease('l', 'b', 10_000, seenBefore, 15_000)).toBeNull();
      expect((await tenant.get('l'))?.lease).toEqual({ owner: 'a', epoch: 1, expiresAt: 19_000 });
    });

    test('every renewal changes the lease, even on a clock that repeats or goes back: a waiter never sees it unchanged', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'l', 'a', 1000, 10_000);
      const seenBefore = (await tenant.get('l'))?.lease ?? null;
      // The same millisecond as the take, then a clock stepped back: the expiry still moves on.
      const same = await tenant.renewLease(lease, 10_000, 1000);
      expect(same?.lease.expiresAt).toBe(11_001);
      const back = await tenant.renewLease(same!.lease, 10_000, 500);
      expect(back?.lease.expiresAt).toBe(11_002);
      expect(await tenant.takeLease('l', 'b', 10_000, seenBefore, 50_000)).toBeNull();
      expect((await tenant.get('l'))?.lease).toEqual({ owner: 'a', epoch: 1, expiresAt: 11_002 });
    });

    test("after a takeover the previous holder's renew, checkpoint, park and finish are refused, nothing written", async () => {
      const tenant = await fresh();
      const old = await leased(tenant, 'l', 'a', 1000, 10_000);
      await tenant.park(old, parkedRecords([3, 4]));
      await tenant.replayParked('l', [3]);
      const before = await tenant.get('l');
      const taken = await holdLease(tenant, 'l', 'b', 10_000, 20_000);
      expect(taken).toMatchObject({ owner: 'b', epoch: 2 });

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

    test('taken again by the same owner: the earlier epoch writes nothing', async () => {
      const tenant = await fresh();
      const first = await leased(tenant, 'l', 'a', 1000, 10_000);
      const second = await holdLease(tenant, 'l', 'a', 10_000, 11_001);
      expect(second).toMatchObject({ owner: 'a', epoch: 2 });
      const before = await tenant.get('l');
      expect(await tenant.renewLease(first, 10_000, 12_000)).toBeNull();
      expect(await tenant.saveCheckpoint(first, 0, 99)).toBe(false);
      expect(await tenant.park(first, parkedRecords([1]))).toBe(false);
      await tenant.releaseLease(first);
      expect(await tenant.get('l')).toEqual(before);
      expect(await allParked(tenant, 'l')).toEqual([]);
      expect(await tenant.saveCheckpoint(second, 0, 99)).toBe(true);
    });

    test('release lets another take it at once (seen free), epoch + 1', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'l', 'a', 1000, 60_000);
      await tenant.releaseLease(lease);
      expect((await tenant.get('l'))?.lease).toBeNull();
      expect(await tenant.renewLease(lease, 60_000, 2000)).toBeNull();
      const next = await tenant.takeLease('l', 'b', 60_000, null, 2000);
      expect(next?.lease).toMatchObject({ owner: 'b', epoch: 2 });
    });

    test("delete and create again under the name: the old holder's writes are refused", async () => {
      const tenant = await fresh();
      const old = await leased(tenant, 'l', 'a', 1000, 10_000);
      expect(await tenant.delete('l')).toBe(true);
      await tenant.create(consumerRequest('l', { after: 7 }));
      // The same owner takes the new consumer's lease: same owner, same epoch, another incarnation.
      const again = await tenant.takeLease('l', 'a', 10_000, null, 1000);
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
    test('20 takers of a free lease at once (seen null): exactly one wins', async () => {
      const tenant = await fresh();
      await tenant.create(consumerRequest('race'));
      const grants = await Promise.all(
        range(0, 20).map((index) => tenant.takeLease('race', `owner-${index}`, 10_000, null, 1000)),
      );
      const winners = grants.filter((grant) => grant !== null);
      expect(winners).toHaveLength(1);
      expect((await tenant.get('race'))?.lease).toEqual({
        owner: winners[0]?.lease.owner,
        epoch: 1,
        expiresAt: 11_000,
      });
    });

    test('a renewal racing 20 takers of the lease it renews: the renewal or one taker wins, never both', async () => {
      const tenant = await fresh();
      const lease = await leased(tenant, 'race', 'a', 1000, 10_000);
      const seen = (await tenant.get('race'))?.lease ?? null;
      const [renewed, ...grants] = await Promise.all([
        tenant.renewLease(lease, 10_000, 5000),
        ...range(0, 20).map((index) => tenant.takeLease('race', `taker-${index}`, 10_000, seen, 5000)),
      ]);
      const winners = grants.filter((grant) => grant !== null);
      expect(winners.length + (renewed === null ? 0 : 1)).toBe(1);
      const winner = renewed ? { owner: 'a', epoch: 1 } : { owner: winners[0]?.lease.owner, epoch: 2 };
      expect((await tenant.get('race'))?.lease).toEqual({ ...winner, expiresAt: 15_000 });
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
        const grant = await holdLease(tenant, 'race', 'b', 10_000, 11_001);
        winnerAcquired = true;
        return grant;
      })();
      const [, grant] = await Promise.all([parking, takeover]);

      expect(grant).toMatchObject({ owner: 'b', epoch: 2 });
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
