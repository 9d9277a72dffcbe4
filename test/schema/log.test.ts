import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { HeadDocument, LogDocument, type LogQueryVariables } from '../generated/graphql.js';
import { useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';

// A fresh table prefix: the `default` tenant's log starts empty.
const api = useTestApi();

const streamA = { id: randomUUID(), category: 'orders' };
const streamB = { id: randomUUID(), category: 'payments' };
const streamC = { id: streamA.id }; // same id as A, no category: another stream

async function allEvents(variables: Omit<LogQueryVariables, 'after' | 'first'>, first: number) {
  const seen: { position: number; type: string; streamId: string; category: string | null }[] = [];
  let after = 0;
  for (let pages = 0; pages < 100; pages++) {
    const { events } = await api().data(LogDocument, { ...variables, after, first });
    seen.push(
      ...events.edges.map((e) => ({
        position: e.node.position,
        type: e.node.type,
        streamId: e.node.stream.id,
        category: e.node.stream.category,
      })),
    );
    if (!events.pageInfo.hasNextPage) return seen;
    after = events.lastPosition ?? seen.at(-1)!.position;
  }
  throw new Error('log did not end');
}

describe('the log', () => {
  test('a new tenant has head 0 and an empty log', async () => {
    expect((await api().data(HeadDocument)).head).toBe(0);
    const { events } = await api().data(LogDocument, {});
    expect(events.edges).toEqual([]);
    expect(events.pageInfo.hasNextPage).toBe(false);
  });

  describe('with events', () => {
    beforeAll(async () => {
      await appendOk(api(), streamA, [event('Placed'), event('Shipped')]);
      await appendOk(api(), streamB, [event('Paid')]);
      await appendOk(api(), streamC, [event('Placed')]);
      await appendOk(api(), streamA, [event('Delivered')]);
      await appendOk(api(), streamB, [event('Refunded'), event('Paid')]);
    });

    test('holds every event once, positions 1..N in commit order; head is N', async () => {
      const log = await allEvents({}, 2);
      expect(log.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(log.map((e) => e.type)).toEqual([
        'Placed',
        'Shipped',
        'Paid',
        'Placed',
        'Delivered',
        'Refunded',
        'Paid',
      ]);
      expect((await api().data(HeadDocument)).head).toBe(7);
    });

    test('after is exclusive and first bounds the page', async () => {
      const { events } = await api().data(LogDocument, { after: 3, first: 2 });
      expect(events.edges.map((e) => e.node.position)).toEqual([4, 5]);
      expect(events.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      const tail = await api().data(LogDocument, { after: 7 });
      expect(tail.events.edges).toEqual([]);
      expect(tail.events.pageInfo.hasNextPage).toBe(false);
    });

    test('filters by category, by type, by stream id (any category)', async () => {
      expect((await allEvents({ filter: { categories: ['orders'] } }, 10)).map((e) => e.position)).toEqual([
        1, 2, 5,
      ]);
      expect((await allEvents({ filter: { types: ['Placed'] } }, 10)).map((e) => e.position)).toEqual([1, 4]);
      const byId = await allEvents({ filter: { streamIds: [streamA.id] } }, 10);
      expect(byId.map((e) => [e.position, e.category])).toEqual([
        [1, 'orders'],
        [2, 'orders'],
        [4, null],
        [5, 'orders'],
      ]);
    });

    test('values of one field combine with OR, fields with AND', async () => {
      const either = await allEvents({ filter: { types: ['Shipped', 'Refunded'] } }, 10);
      expect(either.map((e) => e.position)).toEqual([2, 6]);
      const both = await allEvents({ filter: { types: ['Paid', 'Placed'], categories: ['payments'] } }, 1);
      expect(both.map((e) => e.position)).toEqual([3, 7]);
      const none = await allEvents({ filter: { types: ['Placed'], streamIds: [streamB.id] } }, 10);
      expect(none).toEqual([]);
    });

    test('lastPosition lets a filtered reader skip what it already examined', async () => {
      const { events } = await api().data(LogDocument, {
        after: 0,
        first: 1,
        filter: { categories: ['payments'] },
      });
      expect(events.edges.map((e) => e.node.position)).toEqual([3]);
      expect(events.lastPosition).toBeGreaterThanOrEqual(3);
      const rest = await api().data(LogDocument, { after: 7, filter: { categories: ['payments'] } });
      expect(rest.events.lastPosition).toBe(7);
    });
  });
});
