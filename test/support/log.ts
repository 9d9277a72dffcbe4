// Reads a tenant's whole log, page after page, as the invariant checks of many tests need it.
import type { RecordedEvent, TenantEventStore } from '../../src/store/index.js';

/** Every event of the tenant's log, in position order (tombstones skipped). */
export async function readWholeLog(store: Pick<TenantEventStore, 'readLog'>): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readLog({ after, first: 1000 });
    events.push(...page.edges.map((edge) => edge.node));
    if (page.lastPosition === after) return events;
    after = page.lastPosition;
  }
}
