/** One log read through the store, in the shape the pollers and subscriptions consume. */
import type { EventFilter, LogPage, TenantEventStore } from '../store/types.js';
import { attachPageStreams } from './page-streams.js';
import type { LogChunk } from './tenant-poller.js';

/**
 * Reads a page of the log; its events share one stream-metadata read (`page-streams.ts`). A
 * restricted view's restriction applies (the view would apply it anyway; said here, the read
 * is restricted whatever the store).
 */
export async function readLogChunk(
  store: Pick<TenantEventStore, 'readLog' | 'getStreams' | 'restriction'>,
  after: number,
  limit: number,
  filter: EventFilter | null,
  onStreamsRead?: () => void,
  signal?: AbortSignal,
): Promise<LogChunk> {
  const restriction = store.restriction ?? null;
  const page: LogPage = await store.readLog({ after, first: limit, filter, signal, restriction });
  const events = page.edges.map((edge) => edge.node);
  attachPageStreams(events, store, onStreamsRead);
  return { events, lastPosition: page.lastPosition, hasMore: page.hasNextPage };
}
