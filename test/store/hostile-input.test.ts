// Property-based: whatever a caller sends, the store answers with a stored append or a typed
// EventStoreError, and its invariants hold afterwards.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type AppendRequest, isEventStoreError } from '../../src/store/index.js';
import { createTestStore, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';

const hostileString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', '\u0000', 'a\u0007b', '#', 'T#x#S#', '%23', '\u{1F600}', 'x'.repeat(300)),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  hostileString,
  fc.constantFrom(undefined, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, -0, () => 1, Symbol('s')),
  fc.array(fc.integer(), { maxLength: 2000 }),
);
const hostileVersion = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -3, max: 6 }),
  fc.constantFrom(1.5, 2 ** 60, Number.NaN, '1' as unknown as number),
);
const hostileId = fc.oneof(
  fc.constant(undefined),
  fc.uuid(),
  fc.constantFrom('not-a-uuid', '', 'ZZZZZZZZ-0000-0000-0000-000000000000'),
);
const hostileEvent = fc.record({
  id: hostileId,
  type: hostileString,
  data: hostileValue,
  metadata: hostileValue,
});
const hostileRequest = fc.record({
  stream: fc.record({
    name: fc.oneof(fc.constantFrom('s1', 's2', 's3'), hostileString, fc.constant(undefined)),
    category: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom('c1', 'c2'), hostileString),
    id: fc.oneof(fc.constant(undefined), fc.uuid(), fc.constant('nope')),
  }),
  expectedVersion: hostileVersion,
  events: fc.oneof(
    fc.array(hostileEvent, { maxLength: 4 }),
    fc.array(hostileEvent, { minLength: 30, maxLength: 40 }),
  ),
});

// Well-formed appends mixed in, so that refusals happen against streams that really exist.
const plausibleRequest = fc.record({
  stream: fc.record({ name: fc.constantFrom('p1', 'p2', 'p3'), category: fc.constantFrom(undefined, 'c1') }),
  expectedVersion: fc.constantFrom(undefined, undefined, 0, 1, 2),
  events: fc.array(
    fc.record({
      id: fc.option(fc.uuid(), { nil: undefined }),
      type: fc.constantFrom('A', 'B'),
      data: fc.jsonValue({ maxDepth: 3 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('hostile input to the store', () => {
  test('every append is stored whole or refused with a typed error; the log stays 1..N', async () => {
    const { store } = await createTestStore(uniquePrefix('hostile'));
    const tenant = store.forTenant(uniqueTenant());
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileRequest, plausibleRequest), async (request) => {
        const before = await tenant.headPosition();
        try {
          const result = await tenant.append(request as unknown as AppendRequest);
          if (!result.replayed) stored += result.events.length;
          expect(await tenant.headPosition()).toBe(before + (result.replayed ? 0 : result.events.length));
        } catch (error) {
          expect(isEventStoreError(error), String(error)).toBe(true);
          expect((error as { code: string }).code).not.toBe('STORE_UNAVAILABLE');
          expect(await tenant.headPosition()).toBe(before);
        }
      }),
      { numRuns: 150 },
    );
    const events = await readWholeLog(tenant);
    expect(stored).toBeGreaterThan(0);
    expect(events.length).toBe(stored);
    expect(events.map((event) => event.position)).toEqual(events.map((_, index) => index + 1));
    const versions = new Map<string, number>();
    for (const event of events) {
      const key = `${event.stream.category}/${event.stream.id}`;
      expect(event.version).toBe((versions.get(key) ?? 0) + 1);
      versions.set(key, event.version);
    }
  });
});
