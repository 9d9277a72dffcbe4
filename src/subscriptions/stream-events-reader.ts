/**
 * What `streamEvents` reads and selects. Versions already stored are read from the stream
 * itself (by version, not by scanning the log); then the subscription continues on the log.
 *
 * A stream deleted and created again is a new incarnation (`RecordedEvent.streamIncarnation`,
 * greater than the old one's) that restarts at version 1. Reading by version, an event of a
 * newer incarnation means the stream was re-created while we read: reading starts again at its
 * version 1, so none of the new stream's events is skipped. On the log, a new incarnation's
 * events come after every event of the old one, in order, so nothing more is needed there.
 */
import type { RecordedEvent, StreamKey, StreamRef, TenantEventStore } from '../store/types.js';
import { attachPageStreams } from './page-streams.js';
import { readLogChunk } from './read-log-chunk.js';
import { isEventOf } from './stream-key.js';
import type { LogChunk } from './tenant-poller.js';

type Store = Pick<TenantEventStore, 'readLog' | 'headPosition' | 'readStream' | 'getStreams' | 'restriction'>;

export interface StreamEventsStart {
  /** The position the subscription starts after. */
  after: number;
  /** True when nothing stored needs reading: it may join the live feed at once. */
  atHead: boolean;
}

export class StreamEventsReader {
  /** Only versions above it are delivered, for the incarnation `floorIncarnation`. */
  private versionFloor = 0;
  private floorIncarnation: number | undefined;
  /** The incarnation being read by version; undefined until the first event is read. */
  private incarnation: number | undefined;
  /** Next version to read from the stream itself; undefined once reading the log. */
  private nextVersion: number | undefined;
  private lastStreamPosition = 0;
  /** The log's head position read before the stream: where the log takes over at the latest. */
  private head = 0;

  constructor(
    private readonly store: Store,
    private readonly ref: StreamRef,
    private readonly key: StreamKey,
    private readonly onStreamsRead?: () => void,
  ) {}

  /** Reads the head and the stream's last event (two reads) and decides where to start. */
  async start(afterVersion: number | null): Promise<StreamEventsStart> {
    this.head = await this.store.headPosition();
    const latest = (await this.store.readStream(this.ref, { last: 1 })).edges[0]?.node;
    const currentVersion = latest?.version ?? 0;
    const after = afterVersion ?? currentVersion;
    if (after >= currentVersion) {
      // Nothing stored to replay. Events of this stream up to `latest` are at or below
      // version `after`; later ones come after both `head` and `latest`. A floor above the
      // current version holds for this incarnation (or the first one created, if none exists).
      this.versionFloor = after > currentVersion ? after : 0;
      this.floorIncarnation = latest?.streamIncarnation;
      return { after: Math.max(this.head, latest?.position ?? 0), atHead: true };
    }
    this.nextVersion = after + 1;
    return { after: 0, atHead: false };
  }

  /** Whether a delivered event belongs to this subscription. */
  readonly matches = (event: RecordedEvent): boolean => {
    if (!isEventOf(this.key, event)) return false;
    if (this.versionFloor === 0) return true;
    this.floorIncarnation ??= event.streamIncarnation;
    return event.streamIncarnation !== this.floorIncarnation || event.version > this.versionFloor;
  };

  /** The subscription's history reader: by version while catching up on the stream, then the log. */
  readonly readHistory = async (after: number, limit: number, signal?: AbortSignal): Promise<LogChunk> => {
    if (this.nextVersion === undefined) {
      const filter = { streamIds: [this.key.id] };
      return readLogChunk(this.store, after, limit, filter, this.onStreamsRead, signal);
    }
    const page = await this.store.readStream(this.ref, { fromVersion: this.nextVersion, first: limit });
    attachPageStreams(
      page.edges.map((edge) => edge.node),
      this.store,
      this.onStreamsRead,
    );
    const events: RecordedEvent[] = [];
    for (const { node: event } of page.edges) {
      this.incarnation ??= event.streamIncarnation;
      // A leftover of an incarnation deleted meanwhile: its successor is read from version 1.
      if (event.streamIncarnation < this.incarnation) continue;
      if (event.streamIncarnation > this.incarnation) {
        this.incarnation = event.streamIncarnation;
        this.nextVersion = 1;
        return { events, lastPosition: Math.max(after, this.lastStreamPosition), hasMore: true };
      }
      events.push(event);
      this.nextVersion = event.version + 1;
      this.lastStreamPosition = event.position;
    }
    if (page.edges.length > 0 && page.hasNextPage) {
      return { events, lastPosition: Math.max(after, this.lastStreamPosition), hasMore: true };
    }
    // The whole stream is read. Any of its events at a position up to `head` (read before
    // the stream) was committed before the read, so it was seen: continue on the log there.
    this.nextVersion = undefined;
    return { events, lastPosition: Math.max(after, this.lastStreamPosition, this.head), hasMore: false };
  };
}
