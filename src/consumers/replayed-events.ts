/**
 * The events of parked positions marked for replay, read from the tenant's log. A position whose
 * event is no longer in the log (its stream was deleted) is "gone": there is nothing to deliver,
 * so its parked record can go.
 */
import type { RecordedEvent } from '../store/index.js';
import type { SubscribableStore } from '../subscriptions/index.js';

const pageSize = 100;

export interface ReplayedEvents {
  found: RecordedEvent[];
  gone: number[];
}

/**
 * Reads pages of the log from the next wanted position, so that dense positions cost one read
 * per page and sparse ones one read each. Positions a read did not reach (the log not readable
 * there yet) are neither found nor gone: they stay marked and a later load tries again.
 */
export async function readReplayedEvents(
  store: Pick<SubscribableStore, 'readLog'>,
  positions: readonly number[],
): Promise<ReplayedEvents> {
  const wanted = [...new Set(positions)].sort((a, b) => a - b);
  const found: RecordedEvent[] = [];
  const gone: number[] = [];
  let index = 0;
  while (index < wanted.length) {
    const next = wanted[index]!;
    const page = await store.readLog({ after: next - 1, first: Math.min(pageSize, wanted.length - index) });
    if (page.lastPosition < next) break;
    const events = new Map(page.edges.map((edge) => [edge.node.position, edge.node]));
    for (; index < wanted.length && wanted[index]! <= page.lastPosition; index++) {
      const position = wanted[index]!;
      const event = events.get(position);
      if (event) found.push(event);
      else gone.push(position);
    }
  }
  return { found, gone };
}
