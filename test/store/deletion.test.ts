// A deletion interrupted after marking the head (the gateway died mid-way) is finished by the
// next deletion or the next append, and never leaves the log with a hole.
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { eventsTableName, streamIdForName } from '../../src/store/index.js';
import { eventIdClaimPk, eventIdClaimSk, headSk, streamPk } from '../../src/store/keys.js';
import { scanClaims } from '../support/claims.js';
import { createTestStore, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

describe('interrupted deletion', () => {
  const prefix = uniquePrefix('deletion');

  async function interruptedStream() {
    const { store, client } = await createTestStore(prefix);
    const tenantName = uniqueTenant();
    const tenant = store.forTenant(tenantName);
    const ref = { name: 'half-gone' };
    await tenant.append({
      stream: ref,
      events: [
        { type: 'A', data: 1 },
        { type: 'B', data: 2 },
      ],
    });
    await tenant.append({ stream: { name: 'other' }, events: [{ type: 'C', data: 3 }] });
    // What deleteStream does first, and then a crash.
    await client.send(
      new UpdateItemCommand({
        TableName: eventsTableName(prefix),
        Key: {
          pk: { S: streamPk(tenantName, { id: streamIdForName('half-gone'), category: null }) },
          sk: { S: headSk },
        },
        UpdateExpression: 'SET deleting = :true',
        ExpressionAttributeValues: { ':true': { BOOL: true } },
      }),
    );
    return { tenant, ref };
  }

  test('reads see no stream while it is marked; the next deletion finishes it', async () => {
    const { tenant, ref } = await interruptedStream();
    expect(await tenant.getStream(ref)).toBeNull();
    expect(await tenant.deleteStream(ref, 2)).toMatchObject({ deletedEvents: 2 });
    const log = await tenant.readLog({});
    expect(log.edges.map((edge) => edge.node.type)).toEqual(['C']);
    expect(log.lastPosition).toBe(3);
  });

  test('the next append finishes it and starts the stream again from version 1', async () => {
    const { tenant, ref } = await interruptedStream();
    const result = await tenant.append({
      stream: ref,
      expectedVersion: 0,
      events: [{ type: 'New', data: 0 }],
    });
    expect(result.events[0]).toMatchObject({ version: 1, position: 4 });
    const stream = await tenant.readStream(ref);
    expect(stream.edges.map((edge) => edge.node.type)).toEqual(['New']);
    const log = await tenant.readLog({});
    expect(log.edges.map((edge) => edge.node.type)).toEqual(['C', 'New']);
  });
});

describe('a retry that meets a deletion halfway', () => {
  test('some of its id claims already deleted: the deletion is finished and the retry appended, not refused', async () => {
    const prefix = uniquePrefix('halfway');
    const { store, client } = await createTestStore(prefix);
    const tenantName = uniqueTenant();
    const tenant = store.forTenant(tenantName);
    const ref = { name: 'halfway' };
    const events = [
      { id: randomUUID(), type: 'A', data: 1 },
      { id: randomUUID(), type: 'B', data: 2 },
    ];
    await tenant.append({ stream: ref, expectedVersion: 0, events });
    // The state between two transactions of a deletion: marked, one claim already gone.
    const pk = streamPk(tenantName, { id: streamIdForName('halfway'), category: null });
    const table = eventsTableName(prefix);
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: pk }, sk: { S: headSk } },
        UpdateExpression: 'SET deleting = :true',
        ExpressionAttributeValues: { ':true': { BOOL: true } },
      }),
    );
    await client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { pk: { S: eventIdClaimPk(tenantName, events[1]!.id) }, sk: { S: eventIdClaimSk } },
      }),
    );
    // A fresh store (another gateway) and this one, which cached the head, both retry.
    const other = (await createTestStore(prefix)).store.forTenant(tenantName);
    for (const retrying of [other, tenant]) {
      const result = await retrying.append({ stream: ref, expectedVersion: null, events });
      expect(result.events.map((event) => event.id)).toEqual(events.map((event) => event.id));
      await retrying.deleteStream(ref);
    }
  });
});

describe('event ids of a stream whose deletion was interrupted', () => {
  const prefix = uniquePrefix('idsfree');

  async function markedHolding(ids: string[]) {
    const { store, client } = await createTestStore(prefix);
    const tenantName = uniqueTenant();
    const tenant = store.forTenant(tenantName);
    await tenant.append({
      stream: { name: 'holder' },
      events: ids.map((id) => ({ id, type: 'A', data: 1 })),
    });
    // The deletion marked the head and died before freeing any id.
    const holderPk = streamPk(tenantName, { id: streamIdForName('holder'), category: null });
    await client.send(
      new UpdateItemCommand({
        TableName: eventsTableName(prefix),
        Key: { pk: { S: holderPk }, sk: { S: headSk } },
        UpdateExpression: 'SET deleting = :true',
        ExpressionAttributeValues: { ':true': { BOOL: true } },
      }),
    );
    return { tenant, tenantName, client, holderPk };
  }

  test('an append reusing one of its ids elsewhere finishes that deletion and is stored', async () => {
    const ids = [randomUUID(), randomUUID()];
    const { tenantName } = await markedHolding(ids);
    // Another gateway, which never saw the holder.
    const tenant = (await createTestStore(prefix)).store.forTenant(tenantName);
    const result = await tenant.append({
      stream: { name: 'reuser' },
      events: [{ id: ids[1]!, type: 'B', data: 2 }],
    });
    expect(result.events[0]).toMatchObject({ id: ids[1], version: 1 });
    expect(await tenant.getStream({ name: 'holder' })).toBeNull();
    // The holder's other id is free too, and the log shows each id once.
    await tenant.append({ stream: { name: 'reuser' }, events: [{ id: ids[0]!, type: 'C', data: 3 }] });
    const log = await tenant.readLog({});
    expect(log.edges.map((edge) => edge.node.id)).toEqual([ids[1], ids[0]]);
  });

  test('a deletion leaves alone a claim that another stream took since', async () => {
    const ids = [randomUUID(), randomUUID()];
    const { tenant, tenantName, client, holderPk } = await markedHolding(ids);
    // An overlapping deletion freed ids[0] (and lost the event), and another stream claimed it.
    await client.send(
      new DeleteItemCommand({
        TableName: eventsTableName(prefix),
        Key: { pk: { S: eventIdClaimPk(tenantName, ids[0]!) }, sk: { S: eventIdClaimSk } },
      }),
    );
    await tenant.append({ stream: { name: 'taker' }, events: [{ id: ids[0]!, type: 'T', data: 0 }] });
    // This deletion still lists the holder's first event, whose claim now belongs to `taker`.
    expect(await tenant.deleteStream({ name: 'holder' })).toMatchObject({ deletedEvents: 2 });
    const claims = await scanClaims(client, eventsTableName(prefix), tenantName);
    const takerPk = streamPk(tenantName, { id: streamIdForName('taker'), category: null });
    expect(claims.map((claim) => `${claim.eventId}/${claim.streamPk}`)).toEqual([`${ids[0]}/${takerPk}`]);
    expect(claims.some((claim) => claim.streamPk === holderPk)).toBe(false);
    await expect(
      tenant.append({ stream: { name: 'elsewhere' }, events: [{ id: ids[0]!, type: 'T', data: 0 }] }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
