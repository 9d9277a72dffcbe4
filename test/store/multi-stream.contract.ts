/**
 * Part of the store contract (event-store.contract.ts): appendToStreams, one test per rule of
 * the header of ../shared/api/parts/multi-stream.graphql. Every refusal is checked to store
 * nothing: each stream the call named keeps its version (or stays missing), the log head stays.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { type StreamRef, streamIdForName, type TenantEventStore } from '../../src/store/index.js';

const event = (id: string = randomUUID(), data: unknown = { id }) => ({ id, type: 'Happened', data });
const events = (count: number) => Array.from({ length: count }, () => event());

/** The versions of `refs` (null: missing) and the log head, to compare before and after a refusal. */
async function stateOf(tenant: TenantEventStore, refs: readonly StreamRef[]) {
  const versions = await Promise.all(refs.map(async (ref) => (await tenant.getStream(ref))?.version ?? null));
  return { versions, head: await tenant.headPosition() };
}

/** Expects `call` to be refused with `expected`, and nothing stored in any of `refs` nor the log. */
async function expectRefusedStoringNothing(
  tenant: TenantEventStore,
  refs: readonly StreamRef[],
  call: () => Promise<unknown>,
  expected: Record<string, unknown>,
) {
  const before = await stateOf(tenant, refs);
  await expect(call()).rejects.toMatchObject(expected);
  expect(await stateOf(tenant, refs)).toEqual(before);
}

const naming = (name: string, category: string | null) => ({
  streamId: streamIdForName(name),
  category,
});

export function multiStreamContract(fresh: () => Promise<TenantEventStore>) {
  describe('appendToStreams', () => {
    test('stores every event of every append, in consecutive positions in the order of appends, or none', async () => {
      const tenant = await fresh();
      const a = { name: 'account-a', category: 'account' };
      const b = { name: 'account-b', category: 'account' };
      const c = { name: 'account-c', category: 'account' };
      await tenant.append({ stream: a, expectedVersion: 0, events: events(1) });
      const result = await tenant.appendToStreams({
        appends: [
          { stream: a, expectedVersion: 1, events: events(2) },
          { stream: b, expectedVersion: 0, events: events(1) },
        ],
      });
      expect(result.appends.map((append) => append.events.map((e) => [e.version, e.position]))).toEqual([
        [
          [2, 2],
          [3, 3],
        ],
        [[1, 4]],
      ]);
      expect(result.appends.map((append) => [append.stream.version, append.replayed])).toEqual([
        [3, false],
        [1, false],
      ]);
      // Each stream sees its own events; the log sees them all, in order.
      const readB = await tenant.readStream(b);
      expect(readB.edges.map((edge) => edge.node.id)).toEqual(result.appends[1]?.events.map((e) => e.id));
      const log = await tenant.readLog();
      expect(log.edges.map((edge) => edge.node.position)).toEqual([1, 2, 3, 4]);

      // The last append is refused: neither the new stream c nor a is written.
      await expectRefusedStoringNothing(
        tenant,
        [a, b, c],
        () =>
          tenant.appendToStreams({
            appends: [
              { stream: a, expectedVersion: 3, events: events(1) },
              { stream: c, expectedVersion: 0, events: events(1) },
              { stream: b, expectedVersion: 5, events: events(1) },
            ],
          }),
        {
          code: 'WRONG_EXPECTED_VERSION',
          expectedVersion: 5,
          actualVersion: 1,
          ...naming(b.name, b.category),
        },
      );
    });

    test('each append follows the rules of append: versioned or not, expectedVersion, limits per event', async () => {
      const tenant = await fresh();
      const versioned = { name: 'versioned', category: 'rules' };
      const unversioned = { name: 'unversioned', category: null };
      await tenant.append({ stream: versioned, expectedVersion: 0, events: events(1) });
      await tenant.append({ stream: unversioned, events: events(1) });
      const refs = [versioned, unversioned];
      await expectRefusedStoringNothing(
        tenant,
        refs,
        () =>
          tenant.appendToStreams({
            appends: [
              { stream: versioned, expectedVersion: 1, events: events(1) },
              { stream: unversioned, expectedVersion: 1, events: events(1) },
            ],
          }),
        { code: 'STREAM_IS_UNVERSIONED', ...naming(unversioned.name, null) },
      );
      await expectRefusedStoringNothing(
        tenant,
        refs,
        () =>
          tenant.appendToStreams({
            appends: [
              { stream: unversioned, events: events(1) },
              { stream: versioned, events: events(1) },
            ],
          }),
        { code: 'EXPECTED_VERSION_REQUIRED', ...naming(versioned.name, 'rules') },
      );
      await expectRefusedStoringNothing(
        tenant,
        refs,
        () =>
          tenant.appendToStreams({
            appends: [
              { stream: unversioned, events: events(1) },
              { stream: versioned, expectedVersion: 1, events: [{ type: '', data: {} }] },
            ],
          }),
        { code: 'INVALID_INPUT', path: ['appends', '1', 'events', '0', 'type'] },
      );
      // Both rules kept: stored.
      const ok = await tenant.appendToStreams({
        appends: [
          { stream: unversioned, events: events(1) },
          { stream: versioned, expectedVersion: 1, events: events(1) },
        ],
      });
      expect(ok.appends.map((append) => append.stream.version)).toEqual([2, 2]);
    });

    test('conditions: each named stream must be at its expectedVersion (0: must not exist), and is not written', async () => {
      const tenant = await fresh();
      const written = { name: 'written' };
      const checked = { name: 'checked', category: 'limits' };
      const loose = { name: 'loose' };
      const missing = { name: 'missing' };
      await tenant.append({ stream: checked, expectedVersion: 0, events: events(2) });
      await tenant.append({ stream: loose, events: events(1) });
      const ok = await tenant.appendToStreams({
        appends: [{ stream: written, events: events(1) }],
        conditions: [
          { stream: checked, expectedVersion: 2 },
          { stream: missing, expectedVersion: 0 },
          { stream: loose, expectedVersion: 1 },
        ],
      });
      expect(ok.appends).toHaveLength(1);
      expect(ok.appends[0]?.events.map((e) => e.position)).toEqual([4]);
      expect(await stateOf(tenant, [checked, missing, loose])).toEqual({ versions: [2, null, 1], head: 4 });

      const refs = [written, checked, missing, loose];
      for (const [condition, actualVersion] of [
        [{ stream: checked, expectedVersion: 1 }, 2],
        [{ stream: checked, expectedVersion: 0 }, 2],
        [{ stream: missing, expectedVersion: 3 }, 0],
      ] as const) {
        await expectRefusedStoringNothing(
          tenant,
          refs,
          () =>
            tenant.appendToStreams({
              appends: [{ stream: written, events: events(1) }],
              conditions: [condition],
            }),
          {
            code: 'WRONG_EXPECTED_VERSION',
            expectedVersion: condition.expectedVersion,
            actualVersion,
            ...naming(
              condition.stream.name,
              'category' in condition.stream ? condition.stream.category : null,
            ),
          },
        );
      }
    });

    test('a stream appears at most once across appends and conditions, however it is named', async () => {
      const tenant = await fresh();
      const x = { name: 'x' };
      const xById = { id: streamIdForName('x') };
      const y = { name: 'y' };
      const refs = [x, y];
      const cases = [
        {
          appends: [
            { stream: x, events: events(1) },
            { stream: xById, events: events(1) },
          ],
          path: ['appends', '1', 'stream'],
        },
        {
          appends: [
            { stream: y, events: events(1) },
            { stream: x, events: events(1) },
          ],
          conditions: [{ stream: x, expectedVersion: 0 }],
          path: ['conditions', '0', 'stream'],
        },
      ];
      for (const { path, ...call } of cases) {
        await expectRefusedStoringNothing(tenant, refs, () => tenant.appendToStreams(call), {
          code: 'INVALID_INPUT',
          path,
        });
      }
      // The same stream in another category is another stream.
      const ok = await tenant.appendToStreams({
        appends: [{ stream: x, events: events(1) }],
        conditions: [{ stream: { name: 'x', category: 'other' }, expectedVersion: 0 }],
      });
      expect(ok.appends[0]?.stream.version).toBe(1);
    });

    test('accepts at least 10 streams and, over all appends, 25 events and 256 KiB', async () => {
      const tenant = await fresh();
      const streams = Array.from({ length: 10 }, (_, index) => ({ name: `wide-${index}` }));
      const wide = await tenant.appendToStreams({
        appends: streams.map((stream, index) => ({
          stream,
          expectedVersion: 0,
          events: events(index < 5 ? 3 : 2),
        })),
      });
      expect(wide.appends.flatMap((append) => append.events.map((e) => e.position))).toEqual(
        Array.from({ length: 25 }, (_, index) => index + 1),
      );
      // 4 events of 64 KiB each (data "x…x" and metadata {} count 4 bytes beside the x's).
      const big = () => event(randomUUID(), 'x'.repeat(64 * 1024 - 4));
      const heavy = await tenant.appendToStreams({
        appends: [
          { stream: { name: 'heavy-1' }, events: [big(), big()] },
          { stream: { name: 'heavy-2' }, events: [big(), big()] },
        ],
      });
      expect(heavy.appends.map((append) => append.stream.version)).toEqual([2, 2]);
      expect(await tenant.headPosition()).toBe(29);
    });

    test('a refusal names the first stream that failed, appends before conditions, with its own error type', async () => {
      const tenant = await fresh();
      const [a, b, c] = ['a', 'b', 'c'].map((name) => ({ name, category: 'first' }));
      if (!a || !b || !c) throw new Error('three streams');
      for (const stream of [a, b, c]) await tenant.append({ stream, expectedVersion: 0, events: events(1) });
      const refs = [a, b, c];
      const cases = [
        {
          call: {
            appends: [
              { stream: a, expectedVersion: 1, events: events(1) },
              { stream: b, expectedVersion: 5, events: events(1) },
            ],
            conditions: [{ stream: c, expectedVersion: 9 }],
          },
          expected: { code: 'WRONG_EXPECTED_VERSION', ...naming('b', 'first') },
        },
        {
          call: {
            appends: [{ stream: a, expectedVersion: 1, events: events(1) }],
            conditions: [
              { stream: c, expectedVersion: 9 },
              { stream: b, expectedVersion: 9 },
            ],
          },
          expected: { code: 'WRONG_EXPECTED_VERSION', ...naming('c', 'first') },
        },
        {
          call: {
            appends: [
              { stream: a, expectedVersion: 7, events: events(1) },
              { stream: b, events: events(1) },
            ],
          },
          expected: { code: 'WRONG_EXPECTED_VERSION', ...naming('a', 'first') },
        },
        {
          call: {
            appends: [
              { stream: a, events: events(1) },
              { stream: b, expectedVersion: 7, events: events(1) },
            ],
          },
          expected: { code: 'EXPECTED_VERSION_REQUIRED', ...naming('a', 'first') },
        },
      ];
      for (const { call, expected } of cases) {
        await expectRefusedStoringNothing(tenant, refs, () => tenant.appendToStreams(call), expected);
      }
    });

    test('idempotent retries: all appends retried succeed replayed whatever the conditions; any mix is invalid', async () => {
      const tenant = await fresh();
      const p = { name: 'p' };
      const q = { name: 'q', category: 'retry' };
      const s = { name: 's' };
      const [e1, e2, e3] = [event(), event(), event()];
      const call = {
        appends: [
          { stream: p, expectedVersion: 0, events: [e1, e2] },
          { stream: q, expectedVersion: 0, events: [e3] },
        ],
      };
      const stored = await tenant.appendToStreams(call);
      const refs = [p, q, s];
      const before = await stateOf(tenant, refs);

      const retry = await tenant.appendToStreams(call);
      expect(retry.appends.map((append) => append.replayed)).toEqual([true, true]);
      expect(retry.appends.map((append) => append.events)).toEqual(
        stored.appends.map((append) => append.events),
      );
      // Whatever its conditions now say.
      const conditioned = await tenant.appendToStreams({
        ...call,
        conditions: [{ stream: s, expectedVersion: 4 }],
      });
      expect(conditioned.appends.map((append) => append.replayed)).toEqual([true, true]);
      // One append of the call, retried alone, is a retry too.
      const alone = await tenant.append({ stream: q, expectedVersion: 0, events: [e3] });
      expect(alone.replayed).toBe(true);
      expect(await stateOf(tenant, refs)).toEqual(before);

      // Some appends retried, others new.
      await expectRefusedStoringNothing(
        tenant,
        refs,
        () =>
          tenant.appendToStreams({
            appends: [
              { stream: p, expectedVersion: 0, events: [e1, e2] },
              { stream: s, expectedVersion: 0, events: events(1) },
            ],
          }),
        { code: 'INVALID_INPUT', path: ['appends', '1'] },
      );
      // One append mixing stored and new ids.
      await expectRefusedStoringNothing(
        tenant,
        refs,
        () =>
          tenant.appendToStreams({
            appends: [
              { stream: p, expectedVersion: 2, events: [e1, event()] },
              { stream: q, expectedVersion: 0, events: [e3] },
            ],
          }),
        { code: 'INVALID_INPUT', path: ['appends', '0', 'events', '0', 'id'] },
      );
    });

    test('a call of one append is refused like any call: its paths are under appends.0, not the append’s own', async () => {
      const tenant = await fresh();
      const own = { name: 'one' };
      const other = { name: 'other' };
      const [e1, e2] = [event(), event()];
      await tenant.appendToStreams({ appends: [{ stream: own, events: [e1, e2] }] });
      const refs = [own, other];
      // A stored id retried without the rest of its append.
      await expectRefusedStoringNothing(
        tenant,
        refs,
        () => tenant.appendToStreams({ appends: [{ stream: own, events: [e1] }] }),
        { code: 'INVALID_INPUT', path: ['appends', '0', 'events', '0', 'id'] },
      );
      // An id held by another stream.
      await expectRefusedStoringNothing(
        tenant,
        refs,
        () => tenant.appendToStreams({ appends: [{ stream: other, events: [event(), e2] }] }),
        { code: 'INVALID_INPUT', path: ['appends', '0', 'events', '1', 'id'] },
      );
      // appendEvents keeps the append's own paths.
      await expect(tenant.append({ stream: own, events: [e1] })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        path: ['events', '0', 'id'],
      });
    });
  });
}
