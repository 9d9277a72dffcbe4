/**
 * Which stream a StreamRef names, resolved as the store resolves it (a name maps to
 * UUIDv5 of the name), so `streamEvents` recognises the stream's events in the shared feed
 * even before the stream exists.
 */
import { defaultLimits } from '../store/limits.js';
import { resolveStreamRef } from '../store/stream-id.js';
import type { RecordedEvent, StreamKey, StreamRef } from '../store/types.js';

/** Throws the store's InvalidInputError for a ref without id or name, or with disagreeing ones. */
export function streamKeyOf(ref: StreamRef, path: readonly string[]): StreamKey {
  const { id, category } = resolveStreamRef(ref ?? {}, defaultLimits, path);
  return { id, category };
}

export function isEventOf(key: StreamKey, event: RecordedEvent): boolean {
  return event.stream.id === key.id && (event.stream.category ?? null) === key.category;
}
