// The parse cache keeps only small documents, and only so many: a client sending large or
// ever-new documents cannot make the gateway keep them.
import { describe, expect, test } from 'vitest';
import { boundedDocumentCache } from '../../src/transports/document-cache.js';

describe('boundedDocumentCache', () => {
  test('keeps small documents, least recently used out first', () => {
    const cache = boundedDocumentCache<number>({ maxEntries: 3, maxKeyLength: 10 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([1, undefined, 3, 4]);
    expect(cache.size).toBe(3);
  });

  test('never keeps a document longer than the bound', () => {
    const cache = boundedDocumentCache<number>({ maxEntries: 3, maxKeyLength: 10 });
    cache.set('x'.repeat(11), 1);
    expect(cache.get('x'.repeat(11))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('1,000 distinct documents leave at most the bound behind', () => {
    const cache = boundedDocumentCache<string>();
    for (let i = 0; i < 1000; i++) cache.set(`query Q${i} { head }`, 'parsed');
    expect(cache.size).toBe(512);
  });
});
