// Restrictions by category and stream id in the store (src/store/restriction.ts,
// src/store/restricted-store.ts) and the hub, over DynamoDB Local: a forbidden stream reads as
// missing everywhere, its log entries are skipped while lastPosition advances, writes to it are
// refused with ForbiddenError and write nothing, and a restricted subscriber never narrows what
// the tenant's shared poller reads for everyone else.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  compileEventFilter,
  type EventStore,
  ForbiddenError,
  InvalidInputError,
  type RecordedEvent,
  StreamRestriction,
  streamIdForName,
  type TenantEventStore,
} from '../../src/store/index.js';
import { SubscriptionHub } from '../../src/subscriptions/index.js';
import { take } from '../subscriptions/helpers.js';
import { createTestStore, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';

const event = (type: string) => ({ type, data: { type } });

function key(name: string, category: string | null) {
  return { id: streamIdForName(name), category };
}

describe('StreamRestriction', () => {
  test('no lists: no restriction; categories OR stream ids; a null list contributes nothing', () => {
    expect(StreamRestriction.of({ categories: null, streamIds: null })).toBeNull();
    expect(StreamRestriction.of({})).toBeNull();
    const byCategory = StreamRestriction.of({ categories: ['order'], streamIds: null });
    expect(byCategory?.allows(key('a', 'order'))).toBe(true);
    expect(byCategory?.allows(key('a', 'user'))).toBe(false);
    expect(byCategory?.allows(key('a', null))).toBe(false);
    const byId = StreamRestriction.of({ categories: null, streamIds: [streamIdForName('a').toUpperCase()] });
    expect(byId?.allows(key('a', 'user'))).toBe(true);
    expect(byId?.allows(key('a', null))).toBe(true);
    expect(byId?.allows(key('b', 'user'))).toBe(false);
    const both = StreamRestriction.of({ categories: ['order'], streamIds: [streamIdForName('x')] });
    expect(both?.allows(key('b', 'order'))).toBe(true);
    expect(both?.allows(key('x', 'user'))).toBe(true);
    expect(both?.allows(key('b', 'user'))).toBe(false);
    // Empty lists allow nothing; an id that is no UUID names no stream.
    const nothing = StreamRestriction.of({ categories: [], streamIds: ['not-a-uuid'] });
    expect(nothing?.allows(key('a', 'order'))).toBe(false);
  });

  test('compileEventFilter with a restriction: the filter AND the restriction', () => {
    const restriction = StreamRestriction.of({ categories: ['order'], streamIds: [streamIdForName('u')] });
    const matches = compileEventFilter({ types: ['A'] }, restriction);
    const recorded = (name: string, category: string | null, type: string) =>
      ({ stream: key(name, category), type }) as RecordedEvent;
    expect(matches(recorded('o', 'order', 'A'))).toBe(true);
    expect(matches(recorded('o', 'order', 'B'))).toBe(false);
    expect(matches(recorded('u', 'user', 'A'))).toBe(true);
    expect(matches(recorded('v', 'user', 'A'))).toBe(false);
  });
});

describe('a restricted view of a tenant over DynamoDB Local', () => {
  let store: EventStore;
  let whole: TenantEventStore;
  let view: TenantEventStore;
  const tenant = uniqueTenant('restricted');
  const restriction = StreamRestriction.of({ categories: ['order'], streamIds: [streamIdForName('u-2')] });

  beforeAll(async () => {
    ({ store } = await createTestStore(uniquePrefix('restrict')));
    whole = store.forTenant(tenant);
    view = store.forTenant(tenant, restriction);
    // Positions 1..8: allowed o-1, o-2 (order) and u-2 (by id); forbidden u-1 (user), n-1 (no category).
    await whole.append({ stream: { name: 'o-1', category: 'order' }, events: [event('A')] });
    await whole.append({ stream: { name: 'u-1', category: 'user' }, events: [event('B'), event('B')] });
    await whole.append({ stream: { name: 'u-2', category: 'user' }, events: [event('C')] });
    await whole.append({ stream: { name: 'n-1' }, events: [event('D')] });
    await whole.append({ stream: { name: 'o-2', category: 'order' }, events: [event('E')] });
    await whole.append({ stream: { name: 'u-1', category: 'user' }, events: [event('F')] });
    await whole.saveSnapshot({ stream: { name: 'u-1', category: 'user' }, version: 1, type: 'S', data: 1 });
  });
  afterAll(() => store.close());

  test('stream, stream events and snapshots of a forbidden stream read as missing; allowed ones as they are', async () => {
    expect(await view.getStream({ name: 'u-1', category: 'user' })).toBeNull();
    expect(await whole.getStream({ name: 'u-1', category: 'user' })).not.toBeNull();
    expect(await view.getStream({ name: 'u-2', category: 'user' })).toMatchObject({ version: 1 });
    expect(await view.getStream({ name: 'o-1', category: 'order' })).toMatchObject({ version: 1 });
    expect(await view.getStream({ name: 'n-1' })).toBeNull();
    expect((await view.readStream({ name: 'u-1', category: 'user' })).edges).toEqual([]);
    expect((await view.readStream({ name: 'o-1', category: 'order' })).edges).toHaveLength(1);
    expect(await view.latestSnapshot({ name: 'u-1', category: 'user' })).toBeNull();
    expect(await whole.latestSnapshot({ name: 'u-1', category: 'user' })).not.toBeNull();
    // A malformed ref is still the input error it is for everyone.
    await expect(view.getStream({})).rejects.toBeInstanceOf(InvalidInputError);
  });

  test('getStreams: null for a forbidden stream, in the order asked', async () => {
    const infos = await view.getStreams([
      key('u-1', 'user'),
      key('o-1', 'order'),
      key('n-1', null),
      key('u-2', 'user'),
    ]);
    expect(infos.map((info) => info?.id ?? null)).toEqual([
      null,
      streamIdForName('o-1'),
      null,
      streamIdForName('u-2'),
    ]);
    expect(await view.getStreams([key('u-1', 'user')])).toEqual([null]);
  });

  test('listings omit forbidden streams, page after page, per category and all', async () => {
    const ids = async (category?: string | null) => {
      const found: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await view.listStreams({
          ...(category !== undefined ? { category } : {}),
          first: 1,
          after,
        });
        found.push(...page.edges.map((edge) => edge.node.id));
        if (!page.hasNextPage) return found.sort();
        after = page.edges.at(-1)?.cursor;
        expect(after).toBeDefined();
      }
    };
    expect(await ids()).toEqual(['o-1', 'o-2', 'u-2'].map(streamIdForName).sort());
    expect(await ids('order')).toEqual(['o-1', 'o-2'].map(streamIdForName).sort());
    expect(await ids('user')).toEqual([streamIdForName('u-2')]);
    expect(await ids(null)).toEqual([]);
  });

  test('the log skips forbidden streams as if filtered out; lastPosition is the full read’s', async () => {
    const full = await whole.readLog({ first: 100 });
    const restricted = await view.readLog({ first: 100 });
    expect(restricted.lastPosition).toBe(full.lastPosition);
    expect(restricted.lastPosition).toBe(7);
    expect(restricted.edges.map((edge) => edge.node.position)).toEqual([1, 4, 6]);
    const filtered = await view.readLog({ first: 100, filter: { categories: ['user'] } });
    expect(filtered.edges.map((edge) => edge.node.position)).toEqual([4]);
    // A page that ends on skipped entries still advances.
    const page = await view.readLog({ after: 1, first: 1 });
    expect(page.edges.map((edge) => edge.node.position)).toEqual([4]);
    expect(page.lastPosition).toBe(4);
  });

  test('appends, snapshots and deletions of a forbidden stream are refused and write nothing', async () => {
    const head = await whole.headPosition();
    const forbidden = { name: 'u-1', category: 'user' };
    await expect(view.append({ stream: forbidden, events: [event('X')] })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(
      view.append({ stream: { name: 'new-one', category: 'user' }, events: [event('X')] }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      view.saveSnapshot({ stream: forbidden, version: 2, type: 'S', data: 2 }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(view.deleteStream(forbidden)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await whole.headPosition()).toBe(head);
    expect(await whole.getStream(forbidden)).toMatchObject({ version: 3 });
    expect(await whole.getStream({ name: 'new-one', category: 'user' })).toBeNull();
    expect(await whole.latestSnapshot(forbidden)).toMatchObject({ version: 1 });
    // The same principal writes what it is allowed to.
    const allowed = await view.append({ stream: { name: 'o-3', category: 'order' }, events: [event('G')] });
    expect(allowed.events[0]?.position).toBe(head + 1);
  });

  test('appendToStreams: any forbidden stream, appended to or only checked, refuses the call and nothing is written', async () => {
    const head = await whole.headPosition();
    const forbidden = { name: 'u-1', category: 'user' };
    const allowed = { name: 'o-1', category: 'order' };
    for (const call of [
      {
        appends: [
          { stream: allowed, events: [event('X')] },
          { stream: forbidden, events: [event('X')] },
        ],
      },
      {
        appends: [{ stream: allowed, events: [event('X')] }],
        conditions: [{ stream: forbidden, expectedVersion: 3 }],
      },
    ]) {
      await expect(view.appendToStreams(call)).rejects.toBeInstanceOf(ForbiddenError);
    }
    expect(await whole.headPosition()).toBe(head);
    expect(await whole.getStream(allowed)).toMatchObject({ version: 1 });
    // Allowed streams only (u-2 by its id): stored.
    const ok = await view.appendToStreams({
      appends: [{ stream: allowed, events: [event('Y')] }],
      conditions: [{ stream: { name: 'u-2', category: 'user' }, expectedVersion: 1 }],
    });
    expect(ok.appends[0]?.events[0]?.position).toBe(head + 1);
  });
});

describe('the hub with a restricted view', () => {
  test('a restricted first subscriber does not narrow the shared feed; each gets its own selection, and streamEvents on a forbidden stream gets nothing', async () => {
    const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 100 } });
    const { store } = await createTestStore(uniquePrefix('restricthub'), { observer: hub.observer });
    try {
      const tenant = uniqueTenant('hub');
      const whole = store.forTenant(tenant);
      const view = store.forTenant(tenant, StreamRestriction.of({ categories: ['order'], streamIds: null }));
      // The restricted subscriptions come first, so the tenant's feed is created from the view.
      const restricted = await hub.eventBatches(view, { maxSize: 100, maxWaitMs: 0 });
      const forbiddenStream = await hub.streamEvents(view, { stream: { name: 'u-1', category: 'user' } });
      const allowedStream = await hub.streamEvents(view, { stream: { name: 'o-1', category: 'order' } });
      const everything = await hub.events(whole, {});
      for (const [name, category] of [
        ['u-1', 'user'],
        ['o-1', 'order'],
        ['u-1', 'user'],
        ['o-1', 'order'],
      ] as const) {
        await whole.append({ stream: { name, category }, events: [event(name)] });
      }
      expect((await take(everything, 4)).map((e) => e.position)).toEqual([1, 2, 3, 4]);
      expect((await take(allowedStream, 2)).map((e) => e.position)).toEqual([2, 4]);
      const received: number[] = [];
      let checkpoint = 0;
      while (checkpoint < 4) {
        const [batch] = await take(restricted, 1);
        received.push(...(batch?.events.map((e) => e.position) ?? []));
        checkpoint = batch?.checkpoint ?? checkpoint;
      }
      expect(received).toEqual([2, 4]);
      expect(checkpoint).toBe(4);
      // A history read through the view from 0 selects the same.
      const history = await hub.events(view, { after: 0 });
      expect((await take(history, 2)).map((e) => e.position)).toEqual([2, 4]);
      // Nothing ever arrives for the forbidden stream: one more append to it and one allowed.
      await whole.append({ stream: { name: 'u-1', category: 'user' }, events: [event('late')] });
      await whole.append({ stream: { name: 'o-1', category: 'order' }, events: [event('late')] });
      expect((await take(allowedStream, 1)).map((e) => e.position)).toEqual([6]);
      const pending = forbiddenStream.next();
      await forbiddenStream.return();
      expect(await pending).toMatchObject({ done: true });
      expect(await readWholeLog(view)).toHaveLength(3);
      for (const subscription of [restricted, allowedStream, everything, history])
        await subscription.return();
    } finally {
      await hub.close();
      await store.close();
    }
  });
});
