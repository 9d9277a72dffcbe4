/**
 * Yoga's parse cache, bounded by what a client sends: yoga keeps parsed documents keyed by
 * their text (1,024 of them, for an hour, by default), so 300 distinct 1.9 MB documents held
 * 1.2 GiB for good (`npm run bench -- abuse`, attack 2b). This cache keeps only documents of
 * at most `maxKeyLength` characters (any real operation; larger ones are parsed each time,
 * within the token limit) and at most `maxEntries` of them, least recently used first out.
 */
export interface DocumentCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  readonly size: number;
}

export interface DocumentCacheBounds {
  maxEntries: number;
  maxKeyLength: number;
}

export const documentCacheBounds: Readonly<DocumentCacheBounds> = Object.freeze({
  maxEntries: 512,
  maxKeyLength: 8 * 1024,
});

export function boundedDocumentCache<T>(
  bounds: Readonly<DocumentCacheBounds> = documentCacheBounds,
): DocumentCache<T> {
  const entries = new Map<string, T>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      // Most recently used last: Map keeps insertion order.
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      if (key.length > bounds.maxKeyLength) return;
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > bounds.maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
