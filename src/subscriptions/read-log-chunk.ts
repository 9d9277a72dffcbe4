/** One log read through the store, in the shape the pollers and subscriptions consume. */
import type { EventFilter, LogPage, TenantEventStore } from '../store/types.js';
import type { LogChunk } from './tenant-poller.js';

export async function readLogChunk(
  store: Pick<TenantEventStore, 'readLog'>,
  after: number,
  limit: number,
  filter: EventFilter | null,
): Promise<LogChunk> {
  const page: LogPage = await store.readLog({ after, first: limit, filter });
  return {
    events: page.edges.map((edge) => edge.node),
    lastPosition: page.lastPosition,
    hasMore: page.hasNextPage,
  };
}
