/**
 * The event store on DynamoDB, and each tenant's view of it. A tenant's appends go through its
 * group committer (`committer.ts`), its deletions through `deletion.ts`; its reads
 * (`reads.ts`, `snapshots.ts`) through its read gate (`read-gate.ts`): one read budget and one
 * share of concurrent reads per tenant. See README.md beside this file for the data model and limits.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BackoffPolicy } from './backoff.js';
import { listCategories } from './categories.js';
import { GroupCommitter } from './committer.js';
import { StreamDeletion } from './deletion.js';
import { InvalidInputError, StoreUnavailableError } from './errors.js';
import { maxVersion, streamPk } from './keys.js';
import { defaultLimits, type StoreLimits } from './limits.js';
import { isValidVersion, prepareAppend } from './prepare.js';
import { prepareAppendToStreams } from './prepare-streams.js';
import type { ReadBudgetPolicy } from './read-budget.js';
import { type ReadContext, ReadGate } from './read-gate.js';
import * as reads from './reads.js';
import { restrictTenantStore } from './restricted-store.js';
import type { StreamRestriction } from './restriction.js';
import { latestSnapshotIn, saveSnapshot } from './snapshots.js';
import { type ResolvedStream, resolveStreamRef } from './stream-id.js';
import { ensureEventsTable, eventsTableName } from './tables.js';
import { checkTenant } from './tenant-name.js';
import type {
  AppendRequest,
  AppendResult,
  AppendToStreamsRequest,
  AppendToStreamsResult,
  DeleteStreamResult,
  EventStore,
  ListCategoriesOptions,
  ListStreamsOptions,
  LogPage,
  Page,
  ReadLogOptions,
  ReadStreamOptions,
  RecordedEvent,
  SaveSnapshotRequest,
  Snapshot,
  StoreObserver,
  StreamInfo,
  StreamKey,
  StreamRef,
  TenantEventStore,
} from './types.js';

export interface DynamoEventStoreOptions {
  /** The DynamoDB client; injected so that callers choose endpoint, retries and middleware. */
  client: DynamoDBClient;
  /** Prefix of the table name (`<prefix>events`). */
  tablePrefix: string;
  limits?: Partial<StoreLimits>;
  observer?: StoreObserver;
  /** Backoff between retries of a contended batch. */
  backoff?: BackoffPolicy;
  /** At most this many appends per transaction (default: as many as fit); 1 turns group commit off. */
  maxAppendsPerBatch?: number;
  /** Reads (Query, GetItem, BatchGetItem) one tenant may have in flight in this process (default 16). */
  maxConcurrentReadsPerTenant?: number;
  /** Reads one tenant may make per second in this process (default: `defaultReadBudget`). */
  readBudget?: ReadBudgetPolicy;
}

export function createDynamoEventStore(options: DynamoEventStoreOptions): EventStore {
  return new DynamoEventStore(options);
}

class DynamoEventStore implements EventStore {
  private readonly tenants = new Map<string, DynamoTenantStore>();
  private readonly table: string;
  private readonly limits: StoreLimits;
  private closed = false;

  constructor(private readonly options: DynamoEventStoreOptions) {
    this.table = eventsTableName(options.tablePrefix);
    this.limits = { ...defaultLimits, ...options.limits };
  }

  forTenant(tenant: string, restriction: StreamRestriction | null = null): TenantEventStore {
    checkTenant(tenant);
    let store = this.tenants.get(tenant);
    if (!store) {
      store = new DynamoTenantStore(
        tenant,
        this.options.client,
        this.table,
        this.limits,
        this.options,
        () => this.closed,
      );
      this.tenants.set(tenant, store);
    }
    return restriction ? restrictTenantStore(store, restriction, this.limits) : store;
  }

  async ensureTables(): Promise<void> {
    await ensureEventsTable(this.options.client, this.table);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.tenants.values()].map((store) => store.idle()));
  }
}

class DynamoTenantStore implements TenantEventStore {
  private readonly committer: GroupCommitter;
  private readonly deletion: StreamDeletion;
  private readonly observer: StoreObserver | undefined;
  private readonly reads: ReadContext;

  constructor(
    readonly tenant: string,
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly limits: StoreLimits,
    options: DynamoEventStoreOptions,
    private readonly isClosed: () => boolean,
  ) {
    this.observer = options.observer;
    const gate = new ReadGate(client, table, {
      maxConcurrentReads: options.maxConcurrentReadsPerTenant,
      budget: options.readBudget,
      onLimited: (outcome) => options.observer?.onReadLimited?.(tenant, outcome),
    });
    this.reads = { tenant, limits, gate };
    this.deletion = new StreamDeletion({
      client,
      table,
      tenant,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    this.committer = new GroupCommitter({
      client,
      table,
      tenant,
      ...(options.observer ? { observer: options.observer } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.maxAppendsPerBatch ? { maxAppendsPerBatch: options.maxAppendsPerBatch } : {}),
      deletion: this.deletion,
    });
  }

  idle(): Promise<void> {
    return this.committer.idle();
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.answered(() => this.committer.append(prepareAppend(request, this.limits)));
  }

  async appendToStreams(request: AppendToStreamsRequest): Promise<AppendToStreamsResult> {
    const parts = () => prepareAppendToStreams(request ?? { appends: [] }, this.limits);
    return { appends: await this.answered(() => this.committer.appendToStreams(parts())) };
  }

  /** Runs a write unless the gateway is closing, and tells the observer how it was answered. */
  private async answered<T>(write: () => Promise<T>): Promise<T> {
    if (this.isClosed()) {
      throw new StoreUnavailableError('The gateway is shutting down. Retry on another one.');
    }
    const started = performance.now();
    try {
      const result = await write();
      this.observer?.onAppendAnswered?.(this.tenant, 'ok', performance.now() - started);
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'ERROR';
      this.observer?.onAppendAnswered?.(this.tenant, code, performance.now() - started);
      throw error;
    }
  }

  private resolve(ref: StreamRef, path: readonly (string | number)[] = ['stream']): ResolvedStream {
    return resolveStreamRef(ref ?? {}, this.limits, path);
  }

  async getStream(ref: StreamRef): Promise<StreamInfo | null> {
    return reads.getStream(this.reads, this.resolve(ref));
  }

  async getStreams(keys: readonly StreamKey[]): Promise<(StreamInfo | null)[]> {
    return reads.getStreams(this.reads, keys);
  }

  async listStreams(options: ListStreamsOptions = {}): Promise<Page<StreamInfo>> {
    return reads.listStreams(this.reads, options);
  }

  async listCategories(options: ListCategoriesOptions = {}): Promise<Page<string>> {
    return listCategories(this.reads, options);
  }

  async readStream(ref: StreamRef, options: ReadStreamOptions = {}): Promise<Page<RecordedEvent>> {
    return reads.readStream(this.reads, this.resolve(ref), options);
  }

  async readLog(options: ReadLogOptions = {}): Promise<LogPage> {
    return reads.readLog(this.reads, options);
  }

  async headPosition(): Promise<number> {
    return reads.headPosition(this.reads);
  }

  async saveSnapshot(request: SaveSnapshotRequest): Promise<Snapshot> {
    const stream = this.resolve(request.stream);
    const { client, table, tenant, limits } = this;
    return saveSnapshot({ client, table, tenant, limits }, stream, request);
  }

  async latestSnapshot(ref: StreamRef, maxVersionIncluded?: number): Promise<Snapshot | null> {
    const stream = this.resolve(ref);
    return latestSnapshotIn(
      this.reads.gate,
      streamPk(this.tenant, stream),
      1,
      maxVersionIncluded ?? maxVersion,
    );
  }

  async deleteStream(ref: StreamRef, expectedVersion?: number | null): Promise<DeleteStreamResult> {
    const stream = this.resolve(ref);
    if (expectedVersion !== null && expectedVersion !== undefined && !isValidVersion(expectedVersion)) {
      throw new InvalidInputError('expectedVersion is an integer from 0.', ['expectedVersion']);
    }
    const pk = streamPk(this.tenant, stream);
    const deletedEvents = await this.deletion.deleteStream(pk, expectedVersion);
    this.committer.forget(pk);
    return { streamId: stream.id, deletedEvents };
  }
}
