import { describe, expect, test } from 'vitest';
import { decodeNumberCursor, encodeCursor } from '../../src/store/cursor.js';
import { counterPk, eventSk, logPk, positionSk, streamListSk, streamPk } from '../../src/store/keys.js';

describe('keys', () => {
  test('every partition key starts with the encoded tenant; separators in names cannot forge keys', () => {
    const id = '8622a318-a563-5b28-ab9c-e7fa4de2e4ea';
    expect(streamPk('a', { id, category: 'x' })).toBe(`T#a#S#cx#${id}`);
    expect(streamPk('a#S#b', { id, category: null })).toBe(`T#a%23S%23b#S#~#${id}`);
    expect(streamPk('a', { id, category: '~' })).not.toBe(streamPk('a', { id, category: null }));
    expect(counterPk('a#LOG')).not.toBe(counterPk('a'));
    expect(logPk('t')).toBe('T#t#LOG#0');
    expect(streamListSk({ id, category: null })).toBe(`~#${id}`);
  });

  test('numbers sort as strings in their padded form', () => {
    expect(positionSk(9_007_199_254_740_991)).toBe('9007199254740991');
    expect(positionSk(10) > positionSk(9)).toBe(true);
    expect(eventSk(10) > eventSk(9)).toBe(true);
  });

  test('cursors are opaque, typed and refuse garbage', () => {
    const cursor = encodeCursor('v', 42);
    expect(decodeNumberCursor(cursor, 'v', ['after'])).toBe(42);
    expect(() => decodeNumberCursor(cursor, 'p', ['after'])).toThrow(/cursor/);
    expect(() => decodeNumberCursor('%%%', 'v', ['after'])).toThrow(/cursor/);
    expect(() => decodeNumberCursor(encodeCursor('v', '1e3'), 'v', ['after'])).toThrow(/cursor/);
  });
});
