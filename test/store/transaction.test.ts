// The transaction of a batch of appends, built without DynamoDB (src/store/transaction.ts): which
// items, under which conditions, in which order, and which append each action belongs to.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { takeBatch } from '../../src/store/batch.js';
import { appendCondition } from '../../src/store/head-conditions.js';
import { fromItem, type HeadItem } from '../../src/store/items.js';
import { counterPk, logPk, streamListPk, streamPk } from '../../src/store/keys.js';
import { defaultLimits, maxTransactionActions } from '../../src/store/limits.js';
import { type PreparedAppend, prepareAppend } from '../../src/store/prepare.js';
import {
  buildTransaction,
  type TransactionAppend,
  type TransactionCall,
  type TransactionContext,
} from '../../src/store/transaction.js';
import type { AppendRequest } from '../../src/store/types.js';

const tenant = 'acme';
const table = 'test_events';
const now = '2026-01-02T03:04:05.000Z';

/** A call of one append (as `append` makes), with its one part's pk at hand. */
function appendOf(
  request: AppendRequest,
  decidedOn?: HeadItem | null,
): TransactionCall & { pk: string; prepared: PreparedAppend } {
  const prepared = prepareAppend(request, defaultLimits);
  const part: TransactionAppend = {
    prepared,
    pk: streamPk(tenant, prepared.stream),
    ...(decidedOn === undefined ? {} : { decidedOn }),
  };
  return { parts: [part], pk: part.pk, prepared };
}

function events(count: number) {
  return Array.from({ length: count }, (_, index) => ({ type: 'Happened', data: { index } }));
}

function context(seenPosition: number): TransactionContext {
  return { tenant, table, seenPosition, now };
}

/** The one Put of an action, its item unmarshalled. */
function put(write: TransactWriteItem) {
  const { Put } = write;
  if (!Put?.Item) throw new Error('not a Put');
  return { ...Put, item: fromItem<Record<string, unknown>>(Put.Item) };
}

describe('buildTransaction', () => {
  test('a new stream: counter, head, listing, then per event its item, log entry and id claim', () => {
    const append = appendOf({ stream: { name: 'order-1', category: 'orders' }, events: events(2) });
    const transaction = buildTransaction([append], context(0));

    expect(transaction.actions.map((action) => action.owner?.kind ?? 'counter')).toEqual([
      'counter',
      'head',
      'other',
      'other',
      'other',
      'claim',
      'other',
      'other',
      'claim',
    ]);
    expect(transaction.actions.every((action) => action.owner === null || action.owner.call === append)).toBe(
      true,
    );
    for (const action of transaction.actions) expect(action.write.Put?.TableName).toBe(table);

    const [counter, head, listing, event1, log1, claim1, event2, log2, claim2] = transaction.actions.map(
      (action) => put(action.write),
    );
    // The counter: nothing seen yet, so it must not exist.
    expect(counter?.item).toEqual({ pk: counterPk(tenant), sk: 'COUNTER', position: 2 });
    expect(counter?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(counter?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    // The head: new, so conditioned on not existing; its incarnation is its first event's position.
    expect(head?.item).toMatchObject({
      pk: append.pk,
      sk: 'HEAD',
      name: 'order-1',
      category: 'orders',
      versioned: false,
      version: 2,
      incarnation: 1,
      createdAt: now,
      updatedAt: now,
    });
    expect(head?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(head?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(listing?.item).toMatchObject({ pk: streamListPk(tenant), name: 'order-1', category: 'orders' });
    expect(listing?.ConditionExpression).toBeUndefined();

    const ids = append.prepared.events.map((event) => event.id);
    expect(event1?.item).toMatchObject({
      pk: append.pk,
      version: 1,
      position: 1,
      eventId: ids[0],
      incarnation: 1,
    });
    expect(event2?.item).toMatchObject({
      pk: append.pk,
      version: 2,
      position: 2,
      eventId: ids[1],
      incarnation: 1,
    });
    expect(log1?.item).toMatchObject({
      pk: logPk(tenant),
      sk: '0000000000000001',
      version: 1,
      eventId: ids[0],
    });
    expect(log2?.item).toMatchObject({
      pk: logPk(tenant),
      sk: '0000000000000002',
      version: 2,
      eventId: ids[1],
    });
    for (const [claim, index] of [
      [claim1, 0],
      [claim2, 1],
    ] as const) {
      // One claim per id in the whole tenant, naming the stream that holds it.
      expect(claim?.item).toEqual({
        pk: `T#${tenant}#ID#${ids[index]}`,
        sk: 'CLAIM',
        streamPk: append.pk,
        version: index + 1,
        appendFirstVersion: 1,
        appendSize: 2,
        incarnation: 1,
      });
      expect(claim?.ConditionExpression).toBe('attribute_not_exists(pk)');
      expect(claim?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    }

    expect(transaction.lastPosition).toBe(2);
    expect(transaction.events).toBe(2);
    expect(transaction.committed).toHaveLength(1);
    expect(transaction.committed[0]?.call).toBe(append);
    expect(transaction.committed[0]?.appends[0]?.head).toEqual(head?.item);
    expect(transaction.committed[0]?.appends[0]?.events.map((event) => event.position)).toEqual([1, 2]);
  });

  test('an existing stream: the head is conditioned on the head decided on, no listing, versions and positions go on', () => {
    const old: HeadItem = {
      pk: streamPk(tenant, { id: '6f1c1c4e-0d5e-4f7a-9b43-2d7c4a1b9e10', category: null }),
      sk: 'HEAD',
      streamId: '6f1c1c4e-0d5e-4f7a-9b43-2d7c4a1b9e10',
      category: null,
      name: null,
      versioned: true,
      version: 5,
      createdAt: '2025-12-31T00:00:00.000Z',
      updatedAt: '2025-12-31T00:00:00.000Z',
      incarnation: 7,
    };
    const append = appendOf({ stream: { id: old.streamId }, expectedVersion: 5, events: events(2) }, old);
    const transaction = buildTransaction([append], context(10));

    expect(transaction.actions).toHaveLength(1 + 1 + 2 * 3);
    const [counter, head, event1, , claim1, event2] = transaction.actions.map((action) => put(action.write));
    expect(counter?.item).toEqual({ pk: counterPk(tenant), sk: 'COUNTER', position: 12 });
    expect(counter?.ConditionExpression).toBe('#position = :seen');
    expect(counter?.ExpressionAttributeNames).toEqual({ '#position': 'position' });
    expect(fromItem(counter?.ExpressionAttributeValues ?? {})).toEqual({ ':seen': 10 });

    const condition = appendCondition(old);
    expect(head?.ConditionExpression).toBe(condition.ConditionExpression);
    expect(head?.ExpressionAttributeNames).toEqual(condition.ExpressionAttributeNames);
    expect(head?.ExpressionAttributeValues).toEqual(condition.ExpressionAttributeValues);
    expect(head?.item).toMatchObject({
      version: 7,
      versioned: true,
      incarnation: 7,
      createdAt: old.createdAt,
      updatedAt: now,
    });
    expect(event1?.item).toMatchObject({ version: 6, position: 11, incarnation: 7 });
    expect(event2?.item).toMatchObject({ version: 7, position: 12, incarnation: 7 });
    expect(claim1?.item).toMatchObject({ version: 6, appendFirstVersion: 6, appendSize: 2 });
    expect(transaction.lastPosition).toBe(12);
  });

  test('a head written before incarnations keeps none, and its condition says so', () => {
    const old: HeadItem = {
      pk: streamPk(tenant, { id: '0a3d1a52-5d3e-4b8e-8c55-9f1e2b3c4d5e', category: 'legacy' }),
      sk: 'HEAD',
      streamId: '0a3d1a52-5d3e-4b8e-8c55-9f1e2b3c4d5e',
      category: 'legacy',
      name: 'old',
      versioned: false,
      version: 3,
      createdAt: '2020-01-01T00:00:00.000Z',
      updatedAt: '2020-01-01T00:00:00.000Z',
    };
    const append = appendOf({ stream: { name: 'old', category: 'legacy' }, events: events(1) }, old);
    const [, head, event, log, claim] = buildTransaction([append], context(40)).actions.map((action) =>
      put(action.write),
    );
    expect(head?.ConditionExpression).toContain('attribute_not_exists(#incarnation)');
    for (const written of [head, event, log, claim]) expect(written?.item).not.toHaveProperty('incarnation');
    expect(event?.item).toMatchObject({ version: 4, position: 41, streamName: 'old' });
  });

  test('a batch: positions run on in batch order, and every action names the append it belongs to', () => {
    const batch = [
      appendOf({ stream: { name: 'a' }, events: events(3) }),
      appendOf({ stream: { name: 'b' }, events: events(1) }),
      appendOf({ stream: { name: 'c' }, events: events(2) }),
    ];
    const transaction = buildTransaction(batch, context(100));
    expect(transaction.events).toBe(6);
    expect(transaction.lastPosition).toBe(106);
    expect(
      transaction.committed.map(({ call, appends: [only] }) => [
        batch.indexOf(call as (typeof batch)[number]),
        only?.head.incarnation,
        only?.events.map((event) => event.position),
      ]),
    ).toEqual([
      [0, 101, [101, 102, 103]],
      [1, 104, [104]],
      [2, 105, [105, 106]],
    ]);
    // The reasons of a cancelled transaction come in the order of the actions: each names its append.
    for (const action of transaction.actions.slice(1)) {
      const { item } = put(action.write);
      const owner = action.owner;
      expect(owner).not.toBeNull();
      if (owner?.kind === 'claim') expect(item.streamPk).toBe(owner.append.pk);
      else if (item.pk !== logPk(tenant) && item.pk !== streamListPk(tenant))
        expect(item.pk).toBe(owner?.append.pk);
      if (owner?.kind === 'head') expect(item.sk).toBe('HEAD');
      if (owner?.kind === 'claim') expect(String(item.pk)).toMatch(/#ID#/);
    }
    expect(transaction.actions.filter((action) => action.owner?.kind === 'head')).toHaveLength(3);
    expect(transaction.actions.filter((action) => action.owner?.kind === 'claim')).toHaveLength(6);
  });

  test('pure: the batch is left as it was, and the same input gives the same transaction', () => {
    const batch = [appendOf({ stream: { name: 'p' }, events: events(2) })];
    const before = structuredClone(batch);
    const once = buildTransaction(batch, context(3));
    expect(batch).toEqual(before);
    expect(buildTransaction(batch, context(3))).toEqual(once);
  });

  test('the largest append, to a new stream, fits one transaction: 3 * 32 + head + listing + counter = 99', () => {
    const largest = appendOf({ stream: { name: 'big' }, events: events(defaultLimits.maxEventsPerAppend) });
    const transaction = buildTransaction([largest], context(0));
    expect(transaction.actions).toHaveLength(99);
    expect(transaction.actions.length).toBeLessThanOrEqual(maxTransactionActions);
    // One event more would not fit: that is why an append holds at most 32.
    expect(3 * (defaultLimits.maxEventsPerAppend + 1) + 3).toBeGreaterThan(maxTransactionActions);
  });
});

describe('takeBatch', () => {
  test('at most one append per stream: later appends to a stream in the batch stay queued, in order', () => {
    const queue = [
      appendOf({ stream: { name: 'x' }, events: events(1) }),
      appendOf({ stream: { name: 'x' }, events: events(1) }),
      appendOf({ stream: { name: 'y' }, events: events(1) }),
      appendOf({ stream: { name: 'x' }, events: events(1) }),
    ];
    const [first, second, third, fourth] = queue;
    expect(takeBatch(queue)).toEqual([first, third]);
    expect(queue).toEqual([second, fourth]);
    expect(takeBatch(queue)).toEqual([second]);
    expect(takeBatch(queue)).toEqual([fourth]);
    expect(queue).toEqual([]);
  });

  test('at most one append per event id: an append sharing an id with the batch waits, in order', () => {
    const shared = '0b6f6b1e-6a5e-4d4b-9a55-3f1d2c0e7a11';
    const queue = [
      appendOf({ stream: { name: 'a' }, events: [{ id: shared, type: 'T', data: 1 }] }),
      appendOf({
        stream: { name: 'b' },
        events: [
          { type: 'T', data: 2 },
          { id: shared, type: 'T', data: 3 },
        ],
      }),
      appendOf({ stream: { name: 'c' }, events: events(1) }),
    ];
    const [first, second, third] = queue;
    // DynamoDB refuses two actions on one item: the second claim of the id must go to the next batch.
    expect(takeBatch(queue)).toEqual([first, third]);
    expect(takeBatch(queue)).toEqual([second]);
  });

  test('as many as fit 100 actions, and at least one', () => {
    const queue = Array.from({ length: 5 }, (_, index) =>
      appendOf({ stream: { name: `s${index}` }, events: events(10) }),
    );
    // Counter + 3 appends of 1 + 30 + 1 actions = 97; a fourth would make 129.
    expect(takeBatch(queue)).toHaveLength(3);
    expect(takeBatch(queue)).toHaveLength(2);
    const largest = [32, 32].map((count, index) =>
      appendOf({ stream: { name: `l${index}` }, events: events(count) }),
    );
    expect(takeBatch(largest)).toHaveLength(1);
    expect(takeBatch(largest)).toHaveLength(1);
  });

  test('at most maxAppends', () => {
    const queue = Array.from({ length: 5 }, (_, index) =>
      appendOf({ stream: { name: `m${index}` }, events: events(1) }),
    );
    expect(takeBatch(queue, 2)).toHaveLength(2);
    expect(takeBatch(queue, 1)).toHaveLength(1);
    expect(queue).toHaveLength(2);
  });
});
