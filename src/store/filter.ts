/**
 * Event filters as the contract defines them: the given fields combine with AND, the values
 * of one field with OR. Shared by log reads and the subscription hub, so both select alike;
 * a restriction (`restriction.ts`) narrows the filter the same way for both.
 */
import type { StreamRestriction } from './restriction.js';
import { normalizeUuid } from './stream-id.js';
import type { EventFilter, RecordedEvent } from './types.js';

export function compileEventFilter(
  filter: EventFilter | null | undefined,
  restriction: StreamRestriction | null = null,
): (event: RecordedEvent) => boolean {
  const selects = compileFilter(filter);
  if (restriction === null) return selects;
  return (event) => restriction.allows(event.stream) && selects(event);
}

function compileFilter(filter: EventFilter | null | undefined): (event: RecordedEvent) => boolean {
  if (!filter) return () => true;
  const categories = filter.categories ? new Set(filter.categories) : null;
  const types = filter.types ? new Set(filter.types) : null;
  const streamIds = filter.streamIds
    ? new Set(filter.streamIds.map((id, index) => normalizeUuid(id, ['filter', 'streamIds', index])))
    : null;
  return (event) =>
    (categories === null || (event.stream.category !== null && categories.has(event.stream.category))) &&
    (types === null || types.has(event.type)) &&
    (streamIds === null || streamIds.has(event.stream.id));
}
