// An in-memory tenant log for the hub's unit tests. The store itself is irrelevant there; what
// matters is that reads behave as the store's do: consistent, a contiguous prefix of positions
// (a position committed but not yet readable stops the read), tombstones skipped but covered,
// `first` limiting the events returned, the store's own filter and argument checks. Its log
// reads keep the store's log contract (fake-log.test.ts); `hidden` positions and the cap on
// entries examined per read are beyond what that contract can set up on DynamoDB.
import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../../src/store/errors.js';
import { compileEventFilter } from '../../src/store/filter.js';
import { defaultLimits, maxLogEntriesExaminedPerRead } from '../../src/store/limits.js';
import { streamIdForName } from '../../src/store/stream-id.js';
import type {
  JsonValue,
  LogPage,
  Page,
  ReadLogOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamInfo,
  StreamKey,
  StreamRef,
} from '../../src/store/types.js';
import type { SubscribableStore } from '../../src/subscriptions/index.js';

type Entry = { event: RecordedEvent; deleted: boolean };

export interface FakeEventSpec {
  stream?: string;
  category?: string | null | undefined;
  type?: string;
  /** Default: `{ n: position }`. */
  data?: JsonValue;
}

export interface ReadCall {
  kind: 'log' | 'stream' | 'head' | 'streams';
  after?: number;
  filtered: boolean;
}

export class FakeLog implements SubscribableStore {
  readonly entries: Entry[] = [];
  /** Positions committed but not readable yet. */
  readonly hidden = new Set<number>();
  readonly calls: ReadCall[] = [];
  /** Runs before each read answers; lets a test hold a read or make it fail. */
  beforeRead: ((call: ReadCall) => Promise<void> | void) | undefined;
  /** Whether a read answers with the log as it was when the read started, or when it answers. */
  snapshotAt: 'start' | 'end' = 'end';
  /** Reads not answered yet. */
  inflight = 0;
  /** Called after each append with the new last position (wire to hub.notify). */
  onCommitted: ((tenant: string, position: number) => void) | undefined;

  constructor(readonly tenant = 'tenant-a') {}

  get head(): number {
    return this.entries.length;
  }

  get logReads(): number {
    return this.calls.filter((call) => call.kind === 'log').length;
  }

  /** Appends events (one commit) and announces the commit unless told not to. */
  append(specs: FakeEventSpec[], options: { notify?: boolean; hidden?: boolean } = {}): RecordedEvent[] {
    const added = specs.map((spec) => {
      const streamId = streamIdOf(spec.stream ?? 's1');
      const category = spec.category === undefined ? null : spec.category;
      const live = this.entries.filter(
        (e) => !e.deleted && e.event.stream.id === streamId && e.event.stream.category === category,
      );
      const version = live.length + 1;
      // As the store: an incarnation is the position of its first event.
      const streamIncarnation = live[0]?.event.streamIncarnation ?? this.entries.length + 1;
      const event: RecordedEvent = {
        id: randomUUID(),
        type: spec.type ?? 'Happened',
        data: spec.data ?? { n: this.entries.length + 1 },
        metadata: {},
        stream: { id: streamId, category },
        streamName: spec.stream ?? 's1',
        version,
        position: this.entries.length + 1,
        recordedAt: new Date(),
        streamIncarnation,
      };
      this.entries.push({ event, deleted: false });
      if (options.hidden) this.hidden.add(event.position);
      return event;
    });
    if (options.notify !== false) this.onCommitted?.(this.tenant, this.head);
    return added;
  }

  /** `count` events of stream `stream` as separate commits. */
  appendMany(count: number, spec: FakeEventSpec = {}): RecordedEvent[] {
    const all: RecordedEvent[] = [];
    for (let i = 0; i < count; i++) all.push(...this.append([spec]));
    return all;
  }

  reveal(position: number): void {
    this.hidden.delete(position);
  }

  /** Deletes a stream: its positions stay in the log as tombstones. */
  deleteStream(stream: string, category: string | null = null): void {
    const id = streamIdOf(stream);
    for (const entry of this.entries) {
      if (entry.event.stream.id === id && entry.event.stream.category === category) entry.deleted = true;
    }
  }

  /** The live events at positions after `after`, optionally filtered: what a subscriber expects. */
  expected(after: number, predicate: (event: RecordedEvent) => boolean = () => true): number[] {
    return this.entries
      .filter((e) => !e.deleted && e.event.position > after && predicate(e.event))
      .map((e) => e.event.position);
  }

  async headPosition(): Promise<number> {
    await this.answer({ kind: 'head', filtered: false });
    return this.head;
  }

  async readLog(options: ReadLogOptions = {}): Promise<LogPage> {
    const after = options.after ?? 0;
    const first = options.first ?? defaultLimits.defaultPageSize;
    // As the store: arguments are checked before anything is read.
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new InvalidInputError('after is a position from 0.', ['after']);
    }
    if (!Number.isSafeInteger(first) || first < 0 || first > defaultLimits.maxPageSize) {
      throw new InvalidInputError(`first is an integer from 0 to ${defaultLimits.maxPageSize}.`, ['first']);
    }
    if (this.snapshotAt === 'start') {
      const page = this.logPage(after, first, options);
      await this.answer({ kind: 'log', after, filtered: Boolean(options.filter) });
      return page;
    }
    await this.answer({ kind: 'log', after, filtered: Boolean(options.filter) });
    return this.logPage(after, first, options);
  }

  private logPage(after: number, first: number, options: ReadLogOptions): LogPage {
    const matches = compileEventFilter(options.filter ?? null);
    const edges: LogPage['edges'] = [];
    let lastPosition = after;
    let hasNextPage = false;
    for (let position = after + 1; position <= this.entries.length; position++) {
      if (this.hidden.has(position)) break;
      // As the store: a read stops when its page is full or it has examined its most entries.
      if (edges.length === first || position - after > maxLogEntriesExaminedPerRead) {
        hasNextPage = true;
        break;
      }
      lastPosition = position;
      const entry = this.entries[position - 1]!;
      if (!entry.deleted && matches(entry.event)) edges.push({ cursor: `p${position}`, node: entry.event });
    }
    return { edges, hasNextPage, hasPreviousPage: after > 0, lastPosition };
  }

  async readStream(ref: StreamRef, options: ReadStreamOptions = {}): Promise<Page<RecordedEvent>> {
    await this.answer({ kind: 'stream', filtered: true });
    const id = ref.id ?? streamIdOf(ref.name ?? '');
    const category = ref.category ?? null;
    const events = this.entries
      .filter(
        (e) =>
          !e.deleted &&
          !this.hidden.has(e.event.position) &&
          e.event.stream.id === id &&
          e.event.stream.category === category &&
          e.event.version >= (options.fromVersion ?? 1),
      )
      .map((e) => e.event);
    if (options.last) {
      const shown = events.slice(-options.last);
      return {
        edges: shown.map((node) => ({ cursor: `v${node.version}`, node })),
        hasNextPage: false,
        hasPreviousPage: events.length > shown.length,
      };
    }
    const first = options.first ?? 100;
    const shown = events.slice(0, first);
    return {
      edges: shown.map((node) => ({ cursor: `v${node.version}`, node })),
      hasNextPage: events.length > first,
      hasPreviousPage: false,
    };
  }

  /** Stream metadata as the store's getStreams gives it (null for a stream without live events). */
  async getStreams(keys: readonly StreamKey[]): Promise<(StreamInfo | null)[]> {
    await this.answer({ kind: 'streams', filtered: false });
    return keys.map((key) => {
      const live = this.entries
        .filter((e) => !e.deleted && e.event.stream.id === key.id && e.event.stream.category === key.category)
        .map((e) => e.event);
      const first = live[0];
      const last = live.at(-1);
      if (!first || !last) return null;
      return {
        ...key,
        name: last.streamName,
        versioned: false,
        version: last.version,
        createdAt: first.recordedAt,
        updatedAt: last.recordedAt,
      };
    });
  }

  private async answer(call: ReadCall): Promise<void> {
    this.calls.push(call);
    this.inflight++;
    try {
      await this.beforeRead?.(call);
      // Answer asynchronously, as a network read would.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      this.inflight--;
    }
  }
}

export function streamIdOf(name: string): string {
  return streamIdForName(name);
}
