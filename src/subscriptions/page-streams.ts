/**
 * Stream metadata for delivered events, read once per page and shared. Every page a
 * subscription path reads (a poll, a catch-up read, a stream read by version) gets one
 * {@link PageStreams}: the first delivery that needs a stream's head fields reads the heads of
 * all streams of that page in one `getStreams` call, and every subscriber the page reaches
 * shares that answer. So reads grow with pages, not with subscribers × events, and a page
 * whose subscribers select no head field costs no read at all.
 *
 * Freshness: a delivered event's stream is read at or after the poll that read the event
 * (never before), and then not again for that page.
 */
import type { RecordedEvent, StreamInfo, StreamKey, TenantEventStore } from '../store/types.js';

type StreamsReader = Pick<TenantEventStore, 'getStreams'>;

function keyOf(stream: StreamKey): string {
  return `${stream.category === null ? '~' : `c${stream.category}`}\u0000${stream.id}`;
}

class PageStreams {
  private loading: Promise<Map<string, StreamInfo | null>> | undefined;

  constructor(
    private readonly store: StreamsReader,
    private readonly events: readonly RecordedEvent[],
    private readonly onRead: (() => void) | undefined,
  ) {}

  streamOf(event: RecordedEvent): Promise<StreamInfo | null> {
    this.loading ??= this.load();
    return this.loading.then((streams) => streams.get(keyOf(event.stream)) ?? null);
  }

  private async load(): Promise<Map<string, StreamInfo | null>> {
    const keys = new Map<string, StreamKey>();
    for (const event of this.events) keys.set(keyOf(event.stream), event.stream);
    this.onRead?.();
    try {
      const infos = await this.store.getStreams([...keys.values()]);
      return new Map([...keys.keys()].map((key, index) => [key, infos[index] ?? null]));
    } catch (error) {
      // Let the next delivery try again rather than keep a failure for the page's lifetime.
      this.loading = undefined;
      throw error;
    }
  }
}

const pages = new WeakMap<RecordedEvent, PageStreams>();

/** Gives a freshly read page its shared stream metadata. */
export function attachPageStreams(
  events: readonly RecordedEvent[],
  store: StreamsReader,
  onRead?: () => void,
): void {
  if (events.length === 0) return;
  const page = new PageStreams(store, events, onRead);
  for (const event of events) pages.set(event, page);
}

/**
 * The stream of an event a subscription delivered, from its page's shared read; undefined for
 * an event that did not come through a subscription (queries use their request's loader).
 */
export function deliveredStreamOf(event: RecordedEvent): Promise<StreamInfo | null> | undefined {
  return pages.get(event)?.streamOf(event);
}
