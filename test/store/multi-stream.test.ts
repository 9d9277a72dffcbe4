/**
 * appendToStreams in the DynamoDB store, beyond the contract: what only its committer can get
 * wrong. A refusal decided on heads another gateway moved (this gateway's cache is stale), and
 * many calls over overlapping streams at once in one gateway (the batch rule: one action per
 * item, every stream of a call counted, conditions included).
 */
import { describe, expect, test } from 'vitest';
import { type AppendToStreamsRequest, streamIdForName } from '../../src/store/index.js';
import { createTestStore, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

const events = (count: number) => Array.from({ length: count }, () => ({ type: 'Moved', data: {} }));

describe('appendToStreams in the DynamoDB store', () => {
  test('the refusal names the first failing stream even when another gateway moved it behind our cache', async () => {
    const prefix = uniquePrefix('multi');
    const tenantName = uniqueTenant();
    const here = (await createTestStore(prefix)).store.forTenant(tenantName);
    const there = (await createTestStore(prefix)).store.forTenant(tenantName);
    const [a, b] = [{ name: 'a' }, { name: 'b' }];
    // This gateway caches both heads at version 1; the other moves a to 2.
    await here.appendToStreams({
      appends: [
        { stream: a, expectedVersion: 0, events: events(1) },
        { stream: b, expectedVersion: 0, events: events(1) },
      ],
    });
    await there.append({ stream: a, expectedVersion: 1, events: events(1) });
    await expect(
      here.appendToStreams({
        appends: [
          { stream: a, expectedVersion: 1, events: events(1) },
          { stream: b, expectedVersion: 7, events: events(1) },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      streamId: streamIdForName('a'),
      actualVersion: 2,
    });
    expect(await here.headPosition()).toBe(3);
  });

  test('a condition on a stream this gateway never saw is decided from the cancelled transaction (ALL_OLD)', async () => {
    const prefix = uniquePrefix('multi');
    const tenantName = uniqueTenant();
    const here = (await createTestStore(prefix)).store.forTenant(tenantName);
    const there = (await createTestStore(prefix)).store.forTenant(tenantName);
    await there.append({ stream: { name: 'elsewhere', category: 'k' }, events: events(2) });
    await here.append({ stream: { name: 'mine' }, events: events(1) });
    // Condition 0 on a stream never seen here is not read first: the ConditionCheck fails.
    await expect(
      here.appendToStreams({
        appends: [{ stream: { name: 'mine' }, events: events(1) }],
        conditions: [{ stream: { name: 'elsewhere', category: 'k' }, expectedVersion: 0 }],
      }),
    ).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      actualVersion: 2,
      streamId: streamIdForName('elsewhere'),
      category: 'k',
    });
    expect(await here.headPosition()).toBe(3);
    expect((await here.getStream({ name: 'mine' }))?.version).toBe(1);
  });

  test('concurrent calls over overlapping streams: every success contiguous in the log, every loser named a moved stream', async () => {
    const tenant = (await createTestStore(uniquePrefix('multi'))).store.forTenant(uniqueTenant());
    const names = ['s0', 's1', 's2', 's3', 's4'];
    // Every call writes two neighbouring streams and checks a third, all at version 0 or as last seen.
    const calls: AppendToStreamsRequest[] = Array.from({ length: 30 }, (_, index) => ({
      appends: [
        { stream: { name: names[index % 5] }, events: events(1 + (index % 3)) },
        { stream: { name: names[(index + 1) % 5] }, events: events(1) },
      ],
      conditions: index % 4 === 0 ? [{ stream: { name: `missing-${index}` }, expectedVersion: 0 }] : [],
    }));
    const results = await Promise.all(calls.map((call) => tenant.appendToStreams(call)));
    const positions = results.flatMap((result) =>
      result.appends.flatMap((append) => append.events.map((e) => e.position)),
    );
    expect(positions.sort((x, y) => x - y)).toEqual(
      Array.from({ length: positions.length }, (_, i) => i + 1),
    );
    for (const result of results) {
      const own = result.appends.flatMap((append) => append.events.map((e) => e.position));
      expect(own).toEqual(Array.from({ length: own.length }, (_, i) => (own[0] ?? 0) + i));
    }
    for (const name of names) {
      const page = await tenant.readStream({ name }, { first: 1000 });
      const versions = page.edges.map((edge) => edge.node.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    }

    // Versioned now: the same expected version from many calls at once; one wins per stream set.
    for (const name of ['v0', 'v1', 'v2'])
      await tenant.append({ stream: { name }, expectedVersion: 0, events: events(1) });
    const racing = await Promise.allSettled(
      Array.from({ length: 6 }, (_, index) =>
        tenant.appendToStreams({
          appends: [
            { stream: { name: `v${index % 3}` }, expectedVersion: 1, events: events(1) },
            { stream: { name: `v${(index + 1) % 3}` }, expectedVersion: 1, events: events(1) },
          ],
        }),
      ),
    );
    const won = racing.filter((outcome) => outcome.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const movedIds = ['v0', 'v1', 'v2'].map((name) => streamIdForName(name));
    for (const outcome of racing) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toMatchObject({ code: 'WRONG_EXPECTED_VERSION', actualVersion: 2 });
        expect(movedIds).toContain((outcome.reason as { streamId?: string }).streamId);
      }
    }
  });
});
