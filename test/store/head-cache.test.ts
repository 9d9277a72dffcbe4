// The committer's beliefs about heads (src/store/head-cache.ts): the decision on an append, and
// what one commit must read before it answers a refusal.
import { describe, expect, test } from 'vitest';
import { CommitView, decide, HeadCache } from '../../src/store/head-cache.js';
import type { HeadItem } from '../../src/store/items.js';

function head(fields: Partial<HeadItem> = {}): HeadItem {
  return {
    pk: 'T#t#S#~#s',
    sk: 'HEAD',
    streamId: 's',
    category: null,
    name: null,
    versioned: true,
    version: 3,
    createdAt: '2020-01-01T00:00:00.000Z',
    updatedAt: '2020-01-01T00:00:00.000Z',
    incarnation: 1,
    ...fields,
  };
}

describe('decide', () => {
  test('a head being deleted: finish the deletion first, whatever the append expects', () => {
    const marked = head({ deleting: true });
    for (const fresh of [true, false]) {
      for (const expected of [null, 0, 3]) {
        expect(decide(marked, fresh, expected)).toEqual({ kind: 'finish-deletion', head: marked });
      }
    }
  });

  test('the expected-version rule holds: ready, on exactly the head decided on', () => {
    const current = head();
    expect(decide(current, false, 3)).toEqual({ kind: 'ready', head: current });
    expect(decide(null, false, null)).toEqual({ kind: 'ready', head: null });
    expect(decide(null, true, 0)).toEqual({ kind: 'ready', head: null });
  });

  test('a refusal predicted by a cached head is confirmed first; on a fresh head it is answered', () => {
    expect(decide(head(), false, 2)).toEqual({ kind: 'confirm' });
    expect(decide(null, false, 2)).toEqual({ kind: 'confirm' });
    const refused = decide(head(), true, 2);
    expect(refused.kind).toBe('refuse');
    expect(refused.kind === 'refuse' && refused.error.code).toBe('WRONG_EXPECTED_VERSION');
    const unversioned = decide(head({ versioned: false }), true, 3);
    expect(unversioned.kind === 'refuse' && unversioned.error.code).toBe('STREAM_IS_UNVERSIONED');
  });
});

describe('CommitView', () => {
  const append = (pk: string, expectedVersion: number | null) => ({ pk, prepared: { expectedVersion } });

  test('reads only what decides: unknown heads of versioned appends, and heads to confirm', () => {
    const cache = new HeadCache(10);
    const view = new CommitView(cache);
    cache.remember('known', head());
    expect(view.toRead([append('new', null), append('new0', 0), append('v', 2), append('known', 2)])).toEqual(
      ['v'],
    );
    // A cached head predicted a refusal: it is dropped and read before the append is decided.
    expect(view.decide('known', 2)).toEqual({ kind: 'confirm' });
    view.confirm('known');
    expect(cache.has('known')).toBe(false);
    expect(view.toRead([append('known', null)])).toEqual(['known']);
    view.readTogether([['known', head()]]);
    expect(view.toRead([append('known', null)])).toEqual([]);
    expect(view.decide('known', 2).kind).toBe('refuse');
  });

  test('a head distrusted is neither cached nor fresh any more', () => {
    const cache = new HeadCache(10);
    const view = new CommitView(cache);
    view.readTogether([['s', head()]]);
    expect(view.decide('s', 2).kind).toBe('refuse');
    view.distrust('s');
    expect(cache.has('s')).toBe(false);
    view.readTogether([['s', head({ version: 2 })]]);
    expect(view.decide('s', 2).kind).toBe('ready');
    cache.remember('s', head());
    expect(view.decide('s', 2).kind).toBe('refuse');
  });

  test('freshness belongs to one commit; the cache outlives it', () => {
    const cache = new HeadCache(10);
    new CommitView(cache).readTogether([['s', head()]]);
    const next = new CommitView(cache);
    expect(cache.has('s')).toBe(true);
    expect(next.decide('s', 2)).toEqual({ kind: 'confirm' });
  });
});

describe('HeadCache', () => {
  test('null means known not to exist; at most max heads, the least recently remembered go first', () => {
    const cache = new HeadCache(2);
    cache.remember('a', null);
    expect(cache.has('a')).toBe(true);
    expect(cache.get('a')).toBeNull();
    expect(cache.has('b')).toBe(false);
    cache.remember('b', head());
    cache.remember('a', head({ version: 4 }));
    cache.remember('c', head());
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.get('a')?.version).toBe(4);
    cache.forget('a');
    expect(cache.has('a')).toBe(false);
  });
});

describe('CommitView.decideCall (appendToStreams)', () => {
  const part = (pk: string, expectedVersion: number | null, condition = false) => ({
    pk,
    condition,
    prepared: { stream: { id: pk, category: 'c', name: null }, expectedVersion, events: [], bytes: 0 },
  });

  test('a refusal on a fresh head waits until every earlier stream was read in this commit', () => {
    const cache = new HeadCache(10);
    // The cache believes a is at 1 (stale: another gateway moved it to 2); b was just read at 1.
    cache.remember('a', head({ pk: 'a', streamId: 'a', version: 1 }));
    const view = new CommitView(cache);
    view.readTogether([['b', head({ pk: 'b', streamId: 'b', version: 1 })]]);
    const parts = [part('a', 1), part('b', 5)];
    expect(view.decideCall(parts)).toBe('read-again');
    // b too: the refusal is decided on heads read together.
    expect(view.toRead(parts)).toEqual(['a', 'b']);
    view.readTogether([
      ['a', head({ pk: 'a', streamId: 'a', version: 2 })],
      ['b', head({ pk: 'b', streamId: 'b', version: 1 })],
    ]);
    // Now a, the first in input order, is the one named.
    const outcome = view.decideCall(parts);
    expect(outcome).toMatchObject({
      part: { pk: 'a' },
      decision: { kind: 'refuse', error: { code: 'WRONG_EXPECTED_VERSION', streamId: 'a', category: 'c' } },
    });
  });

  test('a refusal waits until the earlier streams were read together with the failing one, not before or after it', () => {
    const cache = new HeadCache(10);
    const view = new CommitView(cache);
    const parts = [part('a', 0), part('b', 5)];
    // b read alone (at 4: it fails), then a alone (absent: it holds). Between the two reads a
    // may have been deleted and b moved to 5: "b at 4" may never have held while a held.
    view.readTogether([['b', head({ pk: 'b', streamId: 'b', version: 4 })]]);
    view.readTogether([['a', null]]);
    expect(view.decideCall(parts)).toBe('read-again');
    expect(view.toRead(parts)).toEqual(['a', 'b']);
    view.readTogether([
      ['a', null],
      ['b', head({ pk: 'b', streamId: 'b', version: 4 })],
    ]);
    expect(view.decideCall(parts)).toMatchObject({
      part: { pk: 'b' },
      decision: { kind: 'refuse', error: { code: 'WRONG_EXPECTED_VERSION', streamId: 'b' } },
    });
    // A single stream's refusal needs nothing more than its own fresh read.
    view.readTogether([['c', head({ pk: 'c', streamId: 'c', version: 4 })]]);
    expect(view.decideCall([part('c', 5)])).toMatchObject({ decision: { kind: 'refuse' } });
  });

  test('every stream ready: each gets the head it was decided on; a condition only reads the version', () => {
    const cache = new HeadCache(10);
    const unversioned = head({ pk: 'u', streamId: 'u', versioned: false, version: 4 });
    cache.remember('u', unversioned);
    cache.remember('n', null);
    const view = new CommitView(cache);
    const parts = [part('n', 0), part('u', 4, true)];
    expect(view.decideCall(parts)).toBe('ready');
    expect(parts.map((p) => (p as { decidedOn?: HeadItem | null }).decidedOn)).toEqual([null, unversioned]);
    // As an append, the same expected version on an unversioned stream is refused.
    view.readTogether([['u', unversioned]]);
    expect(view.decideCall([part('u', 4)])).toMatchObject({
      decision: { kind: 'refuse', error: { code: 'STREAM_IS_UNVERSIONED', streamId: 'u' } },
    });
  });
});
