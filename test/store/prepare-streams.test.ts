// Checking an appendToStreams call before anything is written (src/store/prepare-streams.ts):
// this store's own limits, derived from DynamoDB's 100 actions per transaction.
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { defaultLimits } from '../../src/store/limits.js';
import { prepareAppendToStreams } from '../../src/store/prepare-streams.js';
import type { AppendToStreamsRequest } from '../../src/store/types.js';

const events = (count: number) => Array.from({ length: count }, () => ({ type: 'T', data: {} }));
const prepare = (request: AppendToStreamsRequest) => prepareAppendToStreams(request, defaultLimits);
const refusal = (request: AppendToStreamsRequest) => {
  try {
    prepare(request);
  } catch (error) {
    return error;
  }
  throw new Error('accepted');
};

describe('prepareAppendToStreams', () => {
  test('parts in input order, appends then conditions; a condition has no events', () => {
    const parts = prepare({
      appends: [{ stream: { name: 'a' }, expectedVersion: 2, events: events(2) }],
      conditions: [{ stream: { name: 'b', category: 'c' }, expectedVersion: 0 }],
    });
    expect(
      parts.map((part) => [part.prepared.stream.name, part.condition, part.prepared.events.length]),
    ).toEqual([
      ['a', false, 2],
      ['b', true, 0],
    ]);
    expect(parts[1]?.prepared.expectedVersion).toBe(0);
  });

  test('the actions bound: 1 + 2 per append + 1 per condition + 3 per event ≤ 100', () => {
    const streams = (count: number, eventsEach: number[]) =>
      Array.from({ length: count }, (_, index) => ({
        stream: { name: `s${index}` },
        events: events(eventsEach[index] ?? 1),
      }));
    // 10 appends, 26 events: 1 + 20 + 78 = 99.
    expect(prepare({ appends: streams(10, [17]) })).toHaveLength(10);
    // 10 appends, 27 events: 102.
    expect(refusal({ appends: streams(10, [18]) })).toMatchObject({
      code: 'INVALID_INPUT',
      path: ['appends'],
    });
    // One append: the single append's 32, and no more.
    expect(prepare({ appends: streams(1, [32]) })).toHaveLength(1);
    expect(refusal({ appends: streams(2, [31, 2]) })).toMatchObject({
      code: 'INVALID_INPUT',
      path: ['appends'],
    });
    // 11 streams, conditions included.
    expect(
      refusal({
        appends: streams(1, [1]),
        conditions: Array.from({ length: 10 }, (_, index) => ({
          stream: { name: `c${index}` },
          expectedVersion: 0,
        })),
      }),
    ).toMatchObject({ code: 'INVALID_INPUT', path: ['appends'] });
  });

  test('paths: under the append or condition at fault', () => {
    const id = randomUUID();
    expect(
      refusal({
        appends: [
          { stream: { name: 'a' }, events: [{ id, type: 'T', data: 1 }] },
          {
            stream: { name: 'b' },
            events: [
              { type: 'T', data: 1 },
              { id, type: 'T', data: 2 },
            ],
          },
        ],
      }),
    ).toMatchObject({ code: 'INVALID_INPUT', path: ['appends', '1', 'events', '1', 'id'] });
    expect(
      refusal({
        appends: [{ stream: { name: 'a' }, events: events(1) }],
        conditions: [{ stream: { name: 'b' }, expectedVersion: -1 }],
      }),
    ).toMatchObject({ code: 'INVALID_INPUT', path: ['conditions', '0', 'expectedVersion'] });
    expect(
      refusal({
        appends: [{ stream: { name: 'a' }, events: events(1) }],
        conditions: [{ stream: {}, expectedVersion: 1 }],
      }),
    ).toMatchObject({ code: 'INVALID_INPUT', path: ['conditions', '0', 'stream'] });
    expect(
      refusal({ appends: [], conditions: [{ stream: { name: 'b' }, expectedVersion: 0 }] }),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      path: ['appends'],
    });
  });
});
