/**
 * The event store's public shapes. Nothing here knows DynamoDB or GraphQL: the API layer
 * talks to a {@link TenantEventStore}, which only ever sees one tenant's data.
 */
import type { StreamRestriction } from './restriction.js';

/** A JSON value as stored: what JSON.parse returns. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** How a caller names a stream: by id, by name (id = UUIDv5 of the name), or both. */
export interface StreamRef {
  id?: string | null | undefined;
  name?: string | null | undefined;
  /** null or omitted: the stream without category. */
  category?: string | null | undefined;
}

/** A stream's identity once resolved: (id, category) within a tenant. */
export interface StreamKey {
  id: string;
  category: string | null;
}

export interface StreamInfo extends StreamKey {
  name: string | null;
  versioned: boolean;
  /** Version of the last event; 0 for none. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewEvent {
  /** Client-chosen UUID; generated when omitted. */
  id?: string | null | undefined;
  type: string;
  /** Any JSON value; checked (finite numbers, depth, size) before anything is written. */
  data: unknown;
  metadata?: unknown;
}

export interface RecordedEvent {
  id: string;
  type: string;
  data: JsonValue;
  metadata: JsonValue;
  stream: StreamKey;
  streamName: string | null;
  version: number;
  position: number;
  recordedAt: Date;
  /**
   * Which incarnation of its stream the event belongs to: the position at which that
   * incarnation was created (its first event's), so a stream deleted and created again has a
   * new, greater one. 0 for streams created before incarnations were recorded.
   */
  streamIncarnation: number;
}

export interface Snapshot {
  stream: StreamKey;
  version: number;
  type: string;
  data: JsonValue;
  createdAt: Date;
}

export interface AppendRequest {
  stream: StreamRef;
  /** Omitted: an unversioned append. 0: the stream must not exist. */
  expectedVersion?: number | null | undefined;
  events: readonly NewEvent[];
}

export interface AppendResult {
  stream: StreamInfo;
  events: RecordedEvent[];
  /** True when this was a retry of an append already stored: nothing new was written. */
  replayed: boolean;
}

/** A stream appendToStreams does not write: it must be at `expectedVersion` (0: must not exist). */
export interface StreamCondition {
  stream: StreamRef;
  expectedVersion: number;
}

/** Several appends, and conditions on other streams, stored in one transaction or not at all. */
export interface AppendToStreamsRequest {
  appends: readonly AppendRequest[];
  conditions?: readonly StreamCondition[] | null | undefined;
}

export interface AppendToStreamsResult {
  /** One result per append, in input order. */
  appends: AppendResult[];
}

export interface SaveSnapshotRequest {
  stream: StreamRef;
  version: number;
  type: string;
  data: unknown;
}

export interface DeleteStreamResult {
  streamId: string;
  deletedEvents: number;
}

/** An event filter: fields combine with AND, the values of one field with OR. */
export interface EventFilter {
  categories?: readonly string[] | null | undefined;
  types?: readonly string[] | null | undefined;
  streamIds?: readonly string[] | null | undefined;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface ReadStreamOptions {
  fromVersion?: number | null | undefined;
  toVersion?: number | null | undefined;
  /** Only the events after the latest snapshot within the bounds. */
  sinceSnapshot?: boolean | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface ReadLogOptions {
  /** Exclusive position; default 0. */
  after?: number | null | undefined;
  filter?: EventFilter | null | undefined;
  first?: number | null | undefined;
  /**
   * Once it aborts, no further page is read: the read returns what it has (a contiguous prefix,
   * `hasNextPage: true`), so that a reader who has gone costs nothing more.
   */
  signal?: AbortSignal | undefined;
  /** Only the events of streams it allows, as if filtered out (`lastPosition` still advances). */
  restriction?: StreamRestriction | null | undefined;
}

export interface LogPage extends Page<RecordedEvent> {
  /**
   * The last position this read covered (matching or not, tombstones included): a reader
   * that continues after it misses nothing. Equals `after` when nothing new was seen.
   */
  lastPosition: number;
}

export interface ListStreamsOptions {
  /** Only the streams of this category; all streams when undefined. null: those without category. */
  category?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  /** Only the streams it allows. */
  restriction?: StreamRestriction | null | undefined;
}

export interface ListCategoriesOptions {
  /** At most 100 (each category costs one Query); 100 when omitted. */
  first?: number | null | undefined;
  after?: string | null | undefined;
  /** Only the categories holding a stream it allows. */
  restriction?: StreamRestriction | null | undefined;
}

/** Hooks the store calls; the subscription hub uses `onCommitted` to wake its poller at once. */
export interface StoreObserver {
  onCommitted?(tenant: string, lastPosition: number): void;
  onBatchCommitted?(tenant: string, appends: number, events: number, durationMs: number): void;
  /** An append was answered: `outcome` is 'ok' or the error code; the duration includes queueing. */
  onAppendAnswered?(tenant: string, outcome: string, durationMs: number): void;
  /** A read of the tenant waited for its read budget, or was refused (src/store/read-budget.ts). */
  onReadLimited?(tenant: string, outcome: 'delayed' | 'refused'): void;
}

/** One tenant's view of the store: no method can reach another tenant's data. */
export interface TenantEventStore {
  readonly tenant: string;
  /**
   * A restricted view's restriction (`restricted-store.ts`): every read and write of the view
   * applies it. Null or absent: the whole tenant.
   */
  readonly restriction?: StreamRestriction | null;
  /**
   * Beneath a restricted view, the tenant's whole store: for the subscription hub's shared
   * poller, which reads the whole log once for all subscribers and applies each one's
   * restriction itself. Never to be handed to a caller.
   */
  readonly unrestricted?: TenantEventStore;
  append(request: AppendRequest): Promise<AppendResult>;
  /**
   * Stores every event of every append, or none, each append by the rules of `append`; each
   * condition's stream must be at its expected version. A refusal names the stream that failed
   * (the first in input order, appends before conditions). See README.md for the limits.
   */
  appendToStreams(request: AppendToStreamsRequest): Promise<AppendToStreamsResult>;
  getStream(ref: StreamRef): Promise<StreamInfo | null>;
  /** Stream metadata for many streams at once, in the order of `keys` (null where missing). */
  getStreams(keys: readonly StreamKey[]): Promise<(StreamInfo | null)[]>;
  listStreams(options?: ListStreamsOptions): Promise<Page<StreamInfo>>;
  /** The categories that hold streams, in order (streams without category are in none). */
  listCategories(options?: ListCategoriesOptions): Promise<Page<string>>;
  readStream(ref: StreamRef, options?: ReadStreamOptions): Promise<Page<RecordedEvent>>;
  readLog(options?: ReadLogOptions): Promise<LogPage>;
  /** The position of the tenant's last event; 0 when it has none. */
  headPosition(): Promise<number>;
  saveSnapshot(request: SaveSnapshotRequest): Promise<Snapshot>;
  latestSnapshot(ref: StreamRef, maxVersion?: number): Promise<Snapshot | null>;
  deleteStream(ref: StreamRef, expectedVersion?: number | null): Promise<DeleteStreamResult>;
}

export interface EventStore {
  /** The tenant's store; with a restriction, a view that only sees and writes what it allows. */
  forTenant(tenant: string, restriction?: StreamRestriction | null): TenantEventStore;
  /** Creates the tables when missing; idempotent. */
  ensureTables(): Promise<void>;
  /** Waits for in-flight appends to finish and refuses new ones. */
  close(): Promise<void>;
}
