// A table written before stream incarnations were recorded keeps working: its heads and events
// read as incarnation 0, an interrupted deletion it holds is finished, and deletion and
// re-creation of its streams follow the new protocol.
import { readFileSync } from 'node:fs';
import { type AttributeValue, BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type EventStore,
  ExpectedVersionRequiredError,
  eventsTableName,
  type TenantEventStore,
} from '../../src/store/index.js';
import { createTestStore, uniquePrefix } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';

interface Fixture {
  tenant: string;
  items: Record<string, AttributeValue>[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/legacy-table.json', import.meta.url), 'utf8'),
) as Fixture;

describe('a table written before incarnations (fixture made at b8d8695)', () => {
  const prefix = uniquePrefix('legacy');
  let stores: EventStore[];
  let tenant: TenantEventStore;

  beforeAll(async () => {
    const made = await Promise.all([createTestStore(prefix), createTestStore(prefix)]);
    stores = made.map((m) => m.store);
    const { client } = made[0]!;
    for (let start = 0; start < fixture.items.length; start += 25) {
      const chunk = fixture.items.slice(start, start + 25);
      await client.send(
        new BatchWriteItemCommand({
          RequestItems: { [eventsTableName(prefix)]: chunk.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    }
    tenant = stores[0]!.forTenant(fixture.tenant);
  });

  test('reads: streams, events, snapshot and the log with its tombstones', async () => {
    const order = { name: 'order-1', category: 'order' };
    expect(await tenant.getStream(order)).toMatchObject({ version: 3, versioned: true, name: 'order-1' });
    const events = (await tenant.readStream(order)).edges.map((edge) => edge.node);
    expect(events.map((event) => [event.type, event.version, event.streamIncarnation])).toEqual([
      ['Placed', 1, 0],
      ['Paid', 2, 0],
      ['Shipped', 3, 0],
    ]);
    expect(events[0]?.metadata).toEqual({ user: 'ann' });
    expect(await tenant.latestSnapshot(order)).toMatchObject({ version: 2, data: { paid: true } });
    expect(await tenant.getStream({ name: 'half-deleted' })).toBeNull();
    const log = await tenant.readLog({ first: 100 });
    expect(log.lastPosition).toBe(11);
    // 'gone' (6, 7) and the first 'again' (8) are tombstones; 'half-deleted' (10, 11) was
    // marked but not yet tombstoned when its deletion was interrupted.
    expect(log.edges.map((edge) => edge.node.position)).toEqual([1, 2, 3, 4, 5, 9, 10, 11]);
    expect(log.edges.every((edge) => edge.node.streamIncarnation === 0)).toBe(true);
  });

  test('appends continue the old streams and the log', async () => {
    const order = { name: 'order-1', category: 'order' };
    const appended = await tenant.append({
      stream: order,
      expectedVersion: 3,
      events: [{ type: 'Delivered', data: 1 }],
    });
    expect(appended.events[0]).toMatchObject({ version: 4, position: 12, streamIncarnation: 0 });
    const cart = await tenant.append({ stream: { name: 'cart' }, events: [{ type: 'Added', data: 3 }] });
    expect(cart.events[0]).toMatchObject({ version: 3, position: 13 });
    await expect(
      tenant.append({ stream: { name: 'cart' }, expectedVersion: 3, events: [{ type: 'Added', data: 4 }] }),
    ).rejects.toMatchObject({ code: 'STREAM_IS_UNVERSIONED' });
  });

  test('the interrupted deletion is finished by the next append, which starts a new incarnation', async () => {
    const ref = { name: 'half-deleted' };
    const result = await tenant.append({
      stream: ref,
      expectedVersion: 0,
      events: [{ type: 'Again', data: 0 }],
    });
    const position = result.events[0]!.position;
    expect(result.events[0]).toMatchObject({ version: 1, streamIncarnation: position });
    expect((await tenant.readStream(ref)).edges.map((edge) => edge.node.type)).toEqual(['Again']);
    const log = await readWholeLog(tenant);
    expect(log.some((event) => event.position === 10 || event.position === 11)).toBe(false);
  });

  test('old streams are deleted and created again; a stale cache of an old head is refused', async () => {
    const other = stores[1]!.forTenant(fixture.tenant);
    const again = { name: 'again', category: 'order' };
    // The second store caches the old head of 'again' (unversioned, version 1, no incarnation).
    await other.append({ stream: again, events: [{ type: 'Third', data: 3 }] });
    expect(await tenant.deleteStream(again, 2)).toMatchObject({ deletedEvents: 2 });
    const created = await tenant.append({
      stream: again,
      expectedVersion: 0,
      events: [{ type: 'New', data: 0 }],
    });
    expect(created.events[0]).toMatchObject({ version: 1 });
    expect(created.events[0]!.streamIncarnation).toBeGreaterThan(0);
    // Its cached head says "unversioned, version 2": the new incarnation is versioned.
    await expect(
      other.append({ stream: again, events: [{ type: 'Stale', data: 0 }] }),
    ).rejects.toBeInstanceOf(ExpectedVersionRequiredError);
    expect((await tenant.readStream(again)).edges.map((edge) => edge.node.type)).toEqual(['New']);
    expect(await tenant.getStream(again)).toMatchObject({ version: 1, versioned: true });
    const order = { name: 'order-1', category: 'order' };
    expect(await tenant.deleteStream(order)).toMatchObject({ deletedEvents: 4 });
    expect(await tenant.latestSnapshot(order)).toBeNull();
    expect(await tenant.getStream(order)).toBeNull();
  });
});
