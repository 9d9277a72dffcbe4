/**
 * Attacks on appendToStreams where one gateway's beliefs are made wrong by another (two store
 * instances on one table, each with its own committers and head cache): heads moved, deleted,
 * created again or left marked by a deletion that died, between or during this gateway's reads.
 * DynamoDB's conditions decide every write; a refusal must name the first stream that failed at
 * one instant of the call, never a stream read at another time than those before it.
 */

import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { eventsTableName, streamIdForName, type TenantEventStore } from '../../../src/store/index.js';
import { toItem } from '../../../src/store/items.js';
import { headSk, streamPk } from '../../../src/store/keys.js';
import { scanClaims } from '../../support/claims.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../../support/dynamo.js';
import { readWholeLog } from '../../support/log.js';

const events = (count: number) => Array.from({ length: count }, () => ({ type: 'Moved', data: {} }));
const pkOf = (tenant: string, name: string) =>
  streamPk(tenant, { id: streamIdForName(name), category: null });

/**
 * A client whose next read of a head (`GetItem` or `BatchGetItem` naming its key) first runs
 * `hook`: what another gateway does while this one is about to read.
 */
function clientHoldingReadsOf(pk: string): {
  client: DynamoDBClient;
  before(hook: () => Promise<void>): void;
} {
  const client = testClient();
  let pending: (() => Promise<void>) | null = null;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const reads = context.commandName === 'GetItemCommand' || context.commandName === 'BatchGetItemCommand';
      if (pending && reads && JSON.stringify(args.input).includes(pk)) {
        const hook = pending;
        pending = null;
        await hook();
      }
      return next(args);
    },
    { step: 'initialize', name: 'holdHeadReads' },
  );
  return { client, before: (hook) => (pending = hook) };
}

async function twoGateways(
  client?: DynamoDBClient,
): Promise<{ here: TenantEventStore; there: TenantEventStore; tenant: string; prefix: string }> {
  const prefix = uniquePrefix('msgw');
  const tenant = uniqueTenant();
  const here = (await createTestStore(prefix, client ? { client } : {})).store.forTenant(tenant);
  const there = (await createTestStore(prefix)).store.forTenant(tenant);
  return { here, there, tenant, prefix };
}

describe('appendToStreams against another gateway', () => {
  test('a refusal never names a stream read before the earlier ones: a must not exist, b at 5, moved in between', async () => {
    const tenant = uniqueTenant();
    const held = clientHoldingReadsOf(pkOf(tenant, 'a'));
    const prefix = uniquePrefix('msgw');
    const here = (await createTestStore(prefix, { client: held.client })).store.forTenant(tenant);
    const there = (await createTestStore(prefix)).store.forTenant(tenant);
    // Here caches b at 4; a exists (there made it), unknown here.
    await here.append({ stream: { name: 'b' }, expectedVersion: 0, events: events(4) });
    await there.append({ stream: { name: 'a' }, events: events(1) });
    // Here reads b (at 4: it fails), then must read a. Before that read lands, there moves b to 5,
    // then deletes a. At every instant of the call a existed while b was at 4: a refusal names a,
    // or, once both hold, the call succeeds. Never "b at 4".
    held.before(async () => {
      await there.append({ stream: { name: 'b' }, expectedVersion: 4, events: events(1) });
      await there.deleteStream({ name: 'a' });
    });
    const outcome = await here
      .appendToStreams({
        appends: [
          { stream: { name: 'a' }, expectedVersion: 0, events: events(1) },
          { stream: { name: 'b' }, expectedVersion: 5, events: events(1) },
        ],
      })
      .then(
        (result) => ({ stored: result.appends.map((append) => append.stream.version) }),
        (error: { code?: string; streamId?: string; actualVersion?: number }) => ({
          refused: error.code,
          streamId: error.streamId,
          actualVersion: error.actualVersion,
        }),
      );
    expect([
      { stored: [1, 6] },
      { refused: 'WRONG_EXPECTED_VERSION', streamId: streamIdForName('a'), actualVersion: 1 },
    ]).toContainEqual(outcome);
  });

  test('a cache made stale by a deletion and a re-creation at the same version: writes go to the new incarnation, conditions read it', async () => {
    const { here, there } = await twoGateways();
    // Here caches a and c at 2, d at 1 (incarnations of positions 1, 3, 5).
    for (const name of ['a', 'c'])
      await here.append({ stream: { name }, expectedVersion: 0, events: events(2) });
    await here.append({ stream: { name: 'd' }, expectedVersion: 0, events: events(1) });
    // There deletes all three and makes a and c again, at 2.
    for (const name of ['a', 'c', 'd']) await there.deleteStream({ name });
    for (const name of ['a', 'c'])
      await there.append({ stream: { name }, expectedVersion: 0, events: events(2) });
    const incarnations = {
      a: (await there.readStream({ name: 'a' })).edges[0]?.node.streamIncarnation,
      c: (await there.readStream({ name: 'c' })).edges[0]?.node.streamIncarnation,
    };
    expect(incarnations).toEqual({ a: 6, c: 8 });

    const stored = await here.appendToStreams({
      appends: [{ stream: { name: 'a' }, expectedVersion: 2, events: events(1) }],
      conditions: [{ stream: { name: 'c' }, expectedVersion: 2 }],
    });
    expect(stored.appends[0]?.events.map((e) => [e.version, e.position, e.streamIncarnation])).toEqual([
      [3, 10, 6],
    ]);
    const a = (await there.readStream({ name: 'a' })).edges.map((edge) => [
      edge.node.version,
      edge.node.streamIncarnation,
    ]);
    expect(a).toEqual([
      [1, 6],
      [2, 6],
      [3, 6],
    ]);
    // The old incarnations' positions are tombstones: the live log is the new ones' events.
    expect((await readWholeLog(there)).map((e) => e.position)).toEqual([6, 7, 8, 9, 10]);

    // d, cached at 1 here, is gone: a condition "d at 1" is refused naming d at 0, storing nothing;
    // "d must not exist" holds.
    await expect(
      here.appendToStreams({
        appends: [{ stream: { name: 'a' }, expectedVersion: 3, events: events(1) }],
        conditions: [
          { stream: { name: 'c' }, expectedVersion: 2 },
          { stream: { name: 'd' }, expectedVersion: 1 },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      streamId: streamIdForName('d'),
      actualVersion: 0,
    });
    expect(await there.headPosition()).toBe(10);
    const again = await here.appendToStreams({
      appends: [{ stream: { name: 'a' }, expectedVersion: 3, events: events(1) }],
      conditions: [{ stream: { name: 'd' }, expectedVersion: 0 }],
    });
    expect(again.appends[0]?.events.map((e) => [e.version, e.position])).toEqual([[4, 11]]);
  });

  test('a head left marked by a deletion that died: a condition on it is refused at 0, an append with 0 makes it again, a condition 0 holds', async () => {
    const { here, there, tenant, prefix } = await twoGateways();
    const raw = testClient();
    /** What a gateway killed right after marking leaves behind (deletion.ts, step 2). */
    const markOnly = (name: string) =>
      raw.send(
        new UpdateItemCommand({
          TableName: eventsTableName(prefix),
          Key: toItem({ pk: pkOf(tenant, name), sk: headSk }),
          UpdateExpression: 'SET #deleting = :true',
          ExpressionAttributeNames: { '#deleting': 'deleting' },
          ExpressionAttributeValues: toItem({ ':true': true }),
        }),
      );
    for (const name of ['m1', 'm2', 'm3']) {
      await there.append({ stream: { name }, events: events(3) });
      await here.append({ stream: { name }, events: events(1) }); // here caches it at 4
      await markOnly(name);
    }
    const positions = await here.headPosition(); // 12

    await expect(
      here.appendToStreams({
        appends: [{ stream: { name: 'x' }, expectedVersion: 0, events: events(1) }],
        conditions: [{ stream: { name: 'm1' }, expectedVersion: 4 }],
      }),
    ).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      streamId: streamIdForName('m1'),
      actualVersion: 0,
    });
    expect(await there.headPosition()).toBe(positions);
    expect(await there.getStream({ name: 'x' })).toBeNull();

    const made = await here.appendToStreams({
      appends: [
        { stream: { name: 'm2' }, expectedVersion: 0, events: events(2) },
        { stream: { name: 'x' }, expectedVersion: 0, events: events(1) },
      ],
      conditions: [{ stream: { name: 'm3' }, expectedVersion: 0 }],
    });
    expect(
      made.appends.map((append) => append.events.map((e) => [e.version, e.position, e.streamIncarnation])),
    ).toEqual([
      [
        [1, 13, 13],
        [2, 14, 13],
      ],
      [[1, 15, 15]],
    ]);
    // The three dead incarnations were finished: their 12 events are tombstones, their heads gone.
    expect((await readWholeLog(there)).map((e) => e.position)).toEqual([13, 14, 15]);
    expect(await there.getStream({ name: 'm1' })).toBeNull();
    expect(await there.getStream({ name: 'm3' })).toBeNull();
    expect((await there.readStream({ name: 'm2' })).edges.map((edge) => edge.node.version)).toEqual([1, 2]);
  });

  test('group commit: calls refused inside a batch (a condition, a taken id) take no other call of it down', async () => {
    const batches: number[] = [];
    const prefix = uniquePrefix('msgw');
    const tenant = uniqueTenant();
    const observer = { onBatchCommitted: (_: string, calls: number) => void batches.push(calls) };
    const here = (await createTestStore(prefix, { observer })).store.forTenant(tenant);
    const there = (await createTestStore(prefix)).store.forTenant(tenant);
    const taken = randomUUID();
    await there.append({ stream: { name: 'k' }, events: events(2) });
    await there.append({ stream: { name: 'holder' }, events: [{ id: taken, type: 'Held', data: {} }] });
    batches.length = 0;
    // Here never saw k nor the taken id: both calls look ready, and the transaction is cancelled.
    const outcomes = await Promise.allSettled([
      here.appendToStreams({
        appends: [{ stream: { name: 'p1' }, events: events(1) }],
        conditions: [{ stream: { name: 'k' }, expectedVersion: 0 }],
      }),
      here.appendToStreams({
        appends: [
          { stream: { name: 'p2' }, events: events(1) },
          { stream: { name: 'q2' }, events: [{ id: taken, type: 'Stolen', data: {} }] },
        ],
      }),
      ...Array.from({ length: 5 }, (_, index) =>
        here.appendToStreams({ appends: [{ stream: { name: `s${index}` }, events: events(1 + index) }] }),
      ),
      here.append({ stream: { name: 'single' }, expectedVersion: 0, events: events(2) }),
      here.appendToStreams({
        appends: [
          { stream: { name: 'p3' }, events: events(1) },
          { stream: { name: 'q3' }, expectedVersion: 0, events: events(2) },
        ],
        conditions: [{ stream: { name: 'never' }, expectedVersion: 0 }],
      }),
    ]);
    const [refusedCondition, refusedId, ...rest] = outcomes;
    expect(refusedCondition).toMatchObject({
      status: 'rejected',
      reason: { code: 'WRONG_EXPECTED_VERSION', streamId: streamIdForName('k'), actualVersion: 2 },
    });
    expect(refusedId).toMatchObject({
      status: 'rejected',
      reason: { code: 'INVALID_INPUT', path: ['appends', '1', 'events', '0', 'id'] },
    });
    expect(rest.map((outcome) => outcome.status)).toEqual(Array(7).fill('fulfilled'));
    // All seven committed in one transaction, after the cancelled one: 20 events at 4..23.
    expect(batches).toEqual([7]);
    expect((await readWholeLog(there)).map((e) => e.position)).toEqual(
      Array.from({ length: 23 }, (_, i) => i + 1),
    );
    for (const name of ['p1', 'p2', 'q2']) expect(await there.getStream({ name })).toBeNull();
  });

  test('a deletion that died half-way (33 events removed, their ids freed, 7 left, the head marked): a call reusing ids of both kinds makes the stream again; a condition on another such stream is refused at 0', async () => {
    const prefix = uniquePrefix('msgw');
    const tenant = uniqueTenant();
    // There's client dies (as a killed gateway) at the second transaction of each deletion.
    const dying = testClient();
    let deletionWrites = 0;
    dying.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as {
          TransactItems?: { ConditionCheck?: { ConditionExpression?: string } }[];
        };
        const ofDeletion = input.TransactItems?.[0]?.ConditionCheck?.ConditionExpression?.includes(
          'attribute_exists(#deleting)',
        );
        if (context.commandName === 'TransactWriteItemsCommand' && ofDeletion && ++deletionWrites % 2 === 0)
          throw Object.assign(new Error('killed'), { name: 'Killed', $metadata: {} });
        return next(args);
      },
      { step: 'initialize', name: 'dieMidDeletion' },
    );
    const here = (await createTestStore(prefix)).store.forTenant(tenant);
    const there = (await createTestStore(prefix, { client: dying })).store.forTenant(tenant);
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const withIds = (list: string[]) => list.map((id) => ({ id, type: 'Old', data: {} }));
    for (const name of ['s', 's2']) {
      const own = name === 's' ? ids : ids.map(() => randomUUID());
      await here.append({ stream: { name }, expectedVersion: 0, events: withIds(own.slice(0, 20)) });
      await here.append({ stream: { name }, expectedVersion: 20, events: withIds(own.slice(20)) });
      await expect(there.deleteStream({ name })).rejects.toBeInstanceOf(Error);
    }
    expect(deletionWrites).toBe(4);
    // Ids 0..32 of s are free again, 33..39 still claimed by the marked head.
    const claims = await scanClaims(testClient(), eventsTableName(prefix), tenant);
    const ofS = claims.filter((claim) => claim.streamPk === pkOf(tenant, 's')).map((claim) => claim.eventId);
    expect(ofS.sort()).toEqual(ids.slice(33).sort());
    const reused = [ids[0]!, ids[39]!];
    const made = await here.appendToStreams({
      appends: [
        { stream: { name: 's' }, expectedVersion: 0, events: withIds(reused) },
        { stream: { name: 't' }, events: events(1) },
      ],
    });
    expect(made.appends[0]?.events.map((e) => [e.id, e.version, e.position, e.streamIncarnation])).toEqual([
      [reused[0], 1, 81, 81],
      [reused[1], 2, 82, 81],
    ]);
    await expect(
      here.appendToStreams({
        appends: [{ stream: { name: 'u' }, events: events(1) }],
        conditions: [{ stream: { name: 's2' }, expectedVersion: 40 }],
      }),
    ).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      streamId: streamIdForName('s2'),
      actualVersion: 0,
    });
    // Both dead incarnations were finished: the live log is the new events only.
    expect((await readWholeLog(here)).map((e) => e.position)).toEqual([81, 82, 83]);
    expect(await here.getStream({ name: 's2' })).toBeNull();
    expect(await here.getStream({ name: 'u' })).toBeNull();
  });

  test('group commit keeps submission order: 60 singles and calls over five streams, each expecting the versions its predecessors leave, all succeed', async () => {
    const { here } = await twoGateways();
    const names = ['s0', 's1', 's2', 's3', 's4'];
    const versions = new Map(names.map((name) => [name, 0]));
    const at = (name: string) => versions.get(name) ?? 0;
    const submitted: Promise<unknown>[] = [];
    // All submitted in one tick, without awaiting: one queue, batches of one call per stream.
    for (let k = 0; k < 60; k++) {
      const [a, b, c] = [names[k % 5]!, names[(k + 2) % 5]!, names[(k + 4) % 5]!];
      if (k % 3 === 0) {
        submitted.push(here.append({ stream: { name: a }, expectedVersion: at(a), events: events(1) }));
        versions.set(a, at(a) + 1);
        continue;
      }
      const call = here.appendToStreams({
        appends: [
          { stream: { name: a }, expectedVersion: at(a), events: events(2) },
          { stream: { name: b }, expectedVersion: at(b), events: events(1) },
        ],
        conditions: [{ stream: { name: c }, expectedVersion: at(c) }],
      });
      submitted.push(call);
      versions.set(a, at(a) + 2);
      versions.set(b, at(b) + 1);
    }
    const outcomes = await Promise.allSettled(submitted);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    for (const name of names) {
      const stream = await here.readStream({ name }, { first: 1000 });
      expect(stream.edges.map((edge) => edge.node.version)).toEqual(
        Array.from({ length: at(name) }, (_, i) => i + 1),
      );
    }
  });

  test('one new id in three calls of one tick: the first is refused (a version), so the second stores it, the third is refused as taken', async () => {
    const { here } = await twoGateways();
    const id = randomUUID();
    const withId = { id, type: 'Wanted', data: {} };
    const outcomes = await Promise.allSettled([
      here.appendToStreams({
        appends: [
          { stream: { name: 'x' }, events: events(1) },
          { stream: { name: 'a' }, expectedVersion: 5, events: [withId] },
        ],
      }),
      here.appendToStreams({
        appends: [
          { stream: { name: 'y' }, events: events(1) },
          { stream: { name: 'b' }, events: [withId] },
        ],
      }),
      here.append({ stream: { name: 'c' }, events: [withId] }),
    ]);
    expect(
      outcomes.map((outcome) =>
        outcome.status === 'rejected' ? (outcome.reason as { code: string }).code : 'ok',
      ),
    ).toEqual(['WRONG_EXPECTED_VERSION', 'ok', 'INVALID_INPUT']);
    expect(outcomes[2]).toMatchObject({ reason: { path: ['events', '0', 'id'] } });
    expect((await readWholeLog(here)).map((event) => [event.id === id, event.position])).toEqual([
      [false, 1],
      [true, 2],
    ]);
  });
});
