/**
 * Attacks on appendToStreams where one gateway's beliefs are made wrong by another (two store
 * instances on one table, each with its own committers and head cache): heads moved, deleted,
 * created again or left marked by a deletion that died, between or during this gateway's reads.
 * DynamoDB's conditions decide every write; a refusal must name the first stream that failed at
 * one instant of the call, never a stream read at another time than those before it.
 */
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { eventsTableName, streamIdForName, type TenantEventStore } from '../../../src/store/index.js';
import { toItem } from '../../../src/store/items.js';
import { headSk, streamPk } from '../../../src/store/keys.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../../support/dynamo.js';

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
});
