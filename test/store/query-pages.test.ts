// Paging a Query (src/store/dynamo-ops.ts, queryPages): one call per page, following
// LastEvaluatedKey, and not one call more once the reader has what it needs.
import type { QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { type QueryInput, queryPages } from '../../src/store/dynamo-ops.js';
import { fromItem, type Item, toItem } from '../../src/store/items.js';

/** A fake Query over items 1..total, pages of at most `pageSize` (DynamoDB's 1 MB) and Limit. */
function fakeQuery(total: number, pageSize: number) {
  const calls: QueryInput[] = [];
  const send = async (input: QueryInput): Promise<QueryCommandOutput> => {
    calls.push(input);
    const start = input.ExclusiveStartKey ? fromItem<{ n: number }>(input.ExclusiveStartKey).n : 0;
    const count = Math.min(pageSize, input.Limit ?? Number.POSITIVE_INFINITY, total - start);
    const items = Array.from({ length: count }, (_, index) => toItem({ n: start + index + 1 }));
    const last = start + count;
    return {
      $metadata: {},
      Items: items,
      ...(last < total ? { LastEvaluatedKey: toItem({ n: last }) } : {}),
    };
  };
  return { calls, send };
}

const numbers = (page: Item[]) => page.map((item) => fromItem<{ n: number }>(item).n);

describe('queryPages', () => {
  test('follows LastEvaluatedKey to the end, one call per page', async () => {
    const query = fakeQuery(10, 4);
    const seen: number[][] = [];
    for await (const page of queryPages(query.send, { KeyConditionExpression: 'pk = :pk' }))
      seen.push(numbers(page));
    expect(seen).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    expect(query.calls.map((call) => call.ExclusiveStartKey && fromItem(call.ExclusiveStartKey))).toEqual([
      undefined,
      { n: 4 },
      { n: 8 },
    ]);
    expect(query.calls.every((call) => call.KeyConditionExpression === 'pk = :pk')).toBe(true);
  });

  test('a reader that stops sends no further Query', async () => {
    const query = fakeQuery(100, 4);
    const seen: number[] = [];
    for await (const page of queryPages(query.send, {})) {
      seen.push(...numbers(page));
      if (seen.length >= 6) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(query.calls).toHaveLength(2);
  });

  test('the Limit of each page is asked just before its call; a start key starts the first page', async () => {
    const query = fakeQuery(100, 3);
    const wanted = 7;
    const seen: number[] = [];
    const pages = queryPages(
      query.send,
      { Limit: 50 },
      { startKey: toItem({ n: 20 }), limit: () => wanted - seen.length },
    );
    for await (const page of pages) {
      seen.push(...numbers(page));
      if (seen.length >= wanted) break;
    }
    expect(seen).toEqual([21, 22, 23, 24, 25, 26, 27]);
    expect(query.calls.map((call) => call.Limit)).toEqual([7, 4, 1]);
  });

  test('without a limit function, the input keeps its own Limit', async () => {
    const query = fakeQuery(5, 10);
    for await (const _ of queryPages(query.send, { Limit: 2 })) {
      // every page
    }
    expect(query.calls.map((call) => call.Limit)).toEqual([2, 2, 2]);
  });
});
