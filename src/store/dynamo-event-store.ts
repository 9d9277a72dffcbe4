/**
 * The event store on DynamoDB. Writes go through one group committer per tenant; reads are
 * strongly consistent Queries and GetItems, each following LastEvaluatedKey; no Scan.
 * See README.md beside this file for the data model and limits.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { BackoffPolicy } from './backoff.js';
import { GroupCommitter } from './committer.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { decodeNumberCursor, decodeStringCursor, encodeCursor } from './cursor.js';
import { StreamDeletion } from './deletion.js';
import { isTransactionCanceled, toStoreUnavailable } from './dynamo-errors.js';
import { batchGetItems, itemKey } from './dynamo-ops.js';
import { InvalidInputError, StoreUnavailableError, StreamNotFoundError } from './errors.js';
import { compileEventFilter } from './filter.js';
import {
  type EventItem,
  fromItem,
  type HeadItem,
  type Item,
  type ListingItem,
  type SnapshotItem,
  type TombstoneItem,
  toItem,
  toRecordedEvent,
  toSnapshot,
  toStreamInfo,
} from './items.js';
import {
  counterPk,
  counterSk,
  eventSk,
  headSk,
  logPk,
  positionSk,
  snapshotSk,
  streamListCategoryPrefix,
  streamListPk,
  streamPk,
} from './keys.js';
import { defaultLimits, maxLogEntriesExaminedPerRead, type StoreLimits } from './limits.js';
import { checkType, isValidVersion, prepareAppend, toJsonText } from './prepare.js';
import { defaultReadBudget, ReadBudget, type ReadBudgetPolicy } from './read-budget.js';
import { checkCategory, type ResolvedStream, resolveStreamRef } from './stream-id.js';
import { ensureEventsTable, eventsTableName } from './tables.js';
import type {
  AppendRequest,
  AppendResult,
  DeleteStreamResult,
  Edge,
  EventStore,
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

const defaultConcurrentReadsPerTenant = 16;

const maxVersion = 9_999_999_999;
const maxTenantLength = 128;

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

  forTenant(tenant: string): TenantEventStore {
    if (
      typeof tenant !== 'string' ||
      tenant.length === 0 ||
      tenant.length > maxTenantLength ||
      !tenant.isWellFormed()
    ) {
      throw new InvalidInputError(`A tenant has 1 to ${maxTenantLength} characters of well-formed Unicode.`, [
        'tenant',
      ]);
    }
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
    return store;
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
  private readonly reads: ConcurrencyLimit;
  private readonly budget: ReadBudget;

  constructor(
    readonly tenant: string,
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly limits: StoreLimits,
    options: DynamoEventStoreOptions,
    private readonly isClosed: () => boolean,
  ) {
    this.observer = options.observer;
    this.reads = new ConcurrencyLimit(options.maxConcurrentReadsPerTenant ?? defaultConcurrentReadsPerTenant);
    this.budget = new ReadBudget(options.readBudget ?? defaultReadBudget, {
      onDelayed: () => options.observer?.onReadLimited?.(tenant, 'delayed'),
      onRefused: () => options.observer?.onReadLimited?.(tenant, 'refused'),
    });
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

  async append(request: AppendRequest): Promise<AppendResult> {
    if (this.isClosed()) {
      throw new StoreUnavailableError('The gateway is shutting down. Retry on another one.');
    }
    const started = performance.now();
    try {
      const result = await this.committer.append(prepareAppend(request, this.limits));
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

  private getHead(stream: StreamKey): Promise<HeadItem | null> {
    return this.send('GetItem', () => this.deletion.readHead(streamPk(this.tenant, stream)));
  }

  async getStream(ref: StreamRef): Promise<StreamInfo | null> {
    const head = await this.getHead(this.resolve(ref));
    return head && !head.deleting ? toStreamInfo(head) : null;
  }

  async getStreams(keys: readonly StreamKey[]): Promise<(StreamInfo | null)[]> {
    const pks = keys.map((key) => streamPk(this.tenant, key));
    const found = await this.send('BatchGetItem', () =>
      batchGetItems(
        this.client,
        this.table,
        pks.map((pk) => toItem({ pk, sk: headSk })),
      ),
    );
    return pks.map((pk) => {
      const item = found.get(itemKey(pk, headSk));
      if (!item) return null;
      const head = fromItem<HeadItem>(item);
      return head.deleting ? null : toStreamInfo(head);
    });
  }

  private pageSize(value: number | null | undefined, name: string): number {
    if (value === null || value === undefined) return this.limits.defaultPageSize;
    if (!Number.isSafeInteger(value) || value < 0 || value > this.limits.maxPageSize) {
      throw new InvalidInputError(`${name} is an integer from 0 to ${this.limits.maxPageSize}.`, [name]);
    }
    return value;
  }

  async listStreams(options: ListStreamsOptions = {}): Promise<Page<StreamInfo>> {
    const first = this.pageSize(options.first, 'first');
    const after = options.after ? decodeStringCursor(options.after, 's', ['after']) : undefined;
    // The same rule as for appends: a category that no stream can have is an input error.
    if (options.category !== undefined && options.category !== null)
      checkCategory(options.category, this.limits, []);
    const prefix = options.category === undefined ? undefined : streamListCategoryPrefix(options.category);
    const listings: ListingItem[] = [];
    let startKey: Item | undefined = after ? toItem({ pk: streamListPk(this.tenant), sk: after }) : undefined;
    while (listings.length <= first) {
      const page = await this.query({
        KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
        ExpressionAttributeValues: toItem({
          ':pk': streamListPk(this.tenant),
          ...(prefix ? { ':prefix': prefix } : {}),
        }),
        Limit: first + 1 - listings.length,
        ExclusiveStartKey: startKey,
      });
      for (const item of page.Items ?? []) listings.push(fromItem<ListingItem>(item));
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    const shown = listings.slice(0, first);
    const infos = await this.getStreams(
      shown.map((listing) => ({ id: listing.streamId, category: listing.category ?? null })),
    );
    const edges: Edge<StreamInfo>[] = [];
    shown.forEach((listing, index) => {
      const info = infos[index];
      // A stream being deleted keeps its listing until the deletion finishes: skip it.
      if (info) edges.push({ cursor: encodeCursor('s', listing.sk), node: info });
    });
    return { edges, hasNextPage: listings.length > first, hasPreviousPage: after !== undefined };
  }

  async readStream(ref: StreamRef, options: ReadStreamOptions = {}): Promise<Page<RecordedEvent>> {
    const stream = this.resolve(ref);
    const pk = streamPk(this.tenant, stream);
    const checkBound = (value: number | null | undefined, name: string): number | undefined => {
      if (value === null || value === undefined) return undefined;
      if (!Number.isSafeInteger(value) || value < 0)
        throw new InvalidInputError(`${name} is an integer from 0.`, [name]);
      return Math.min(value, maxVersion);
    };
    let from = Math.max(1, checkBound(options.fromVersion, 'fromVersion') ?? 1);
    const to = checkBound(options.toVersion, 'toVersion') ?? maxVersion;
    if (
      options.first !== null &&
      options.first !== undefined &&
      options.last !== null &&
      options.last !== undefined
    ) {
      throw new InvalidInputError('Give first or last, not both.', ['last']);
    }
    if (options.sinceSnapshot) {
      const snapshot = await this.latestSnapshotIn(pk, from, to);
      if (snapshot) from = snapshot.version + 1;
    }
    const backward = options.last !== null && options.last !== undefined;
    const size = this.pageSize(backward ? options.last : options.first, backward ? 'last' : 'first');
    let low = from;
    let high = to;
    if (options.after) low = Math.max(low, decodeNumberCursor(options.after, 'v', ['after']) + 1);
    if (options.before) high = Math.min(high, decodeNumberCursor(options.before, 'v', ['before']) - 1);
    if (low > high) return { edges: [], hasNextPage: false, hasPreviousPage: false };
    const items: EventItem[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.query({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
        ExpressionAttributeValues: toItem({ ':pk': pk, ':low': eventSk(low), ':high': eventSk(high) }),
        ScanIndexForward: !backward,
        Limit: size + 1 - items.length,
        ExclusiveStartKey: startKey,
      });
      for (const item of page.Items ?? []) items.push(fromItem<EventItem>(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length <= size);
    const more = items.length > size;
    const shown = items.slice(0, size);
    if (backward) shown.reverse();
    const edges = shown.map((item) => ({
      cursor: encodeCursor('v', item.version),
      node: toRecordedEvent(item),
    }));
    const firstShown = shown[0]?.version;
    return backward
      ? { edges, hasPreviousPage: more, hasNextPage: options.before !== null && options.before !== undefined }
      : {
          edges,
          hasNextPage: more,
          hasPreviousPage:
            options.after !== null && options.after !== undefined && (firstShown ?? low) > from,
        };
  }

  async readLog(options: ReadLogOptions = {}): Promise<LogPage> {
    const after = options.after ?? 0;
    if (!Number.isSafeInteger(after) || after < 0)
      throw new InvalidInputError('after is a position from 0.', ['after']);
    const first = this.pageSize(options.first, 'first');
    const matches = compileEventFilter(options.filter ?? null);
    const edges: Edge<RecordedEvent>[] = [];
    let lastPosition = after;
    let examined = 0;
    let hasNextPage = false;
    let startKey: Item | undefined;
    scan: for (;;) {
      const page = await this.query({
        KeyConditionExpression: 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: toItem({ ':pk': logPk(this.tenant), ':after': positionSk(after) }),
        Limit: Math.min(1000, Math.max(first + 1, 100)),
        ExclusiveStartKey: startKey,
      });
      for (const raw of page.Items ?? []) {
        const entry = fromItem<EventItem | TombstoneItem>(raw);
        // Deliver only a contiguous prefix: a missing position may still be committing.
        if (entry.position !== lastPosition + 1) break scan;
        if (edges.length === first || examined >= maxLogEntriesExaminedPerRead) {
          hasNextPage = true;
          break scan;
        }
        lastPosition = entry.position;
        examined++;
        if ('tombstone' in entry && entry.tombstone) continue;
        const event = toRecordedEvent(entry as EventItem);
        if (matches(event)) edges.push({ cursor: encodeCursor('p', event.position), node: event });
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { edges, hasNextPage, hasPreviousPage: after > 0, lastPosition };
  }

  async headPosition(): Promise<number> {
    const output = await this.send('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.table,
          Key: toItem({ pk: counterPk(this.tenant), sk: counterSk }),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? fromItem<{ position: number }>(output.Item).position : 0;
  }

  async saveSnapshot(request: SaveSnapshotRequest): Promise<Snapshot> {
    const stream = this.resolve(request.stream);
    if (!isValidVersion(request.version) || request.version < 1) {
      throw new InvalidInputError('A snapshot version is an integer from 1.', ['version']);
    }
    const type = checkType(request.type, this.limits, ['type']);
    const data = toJsonText(request.data, this.limits.maxJsonDepth, ['data']);
    if (Buffer.byteLength(data) > this.limits.maxSnapshotBytes) {
      throw new InvalidInputError(`Snapshot data holds at most ${this.limits.maxSnapshotBytes} bytes.`, [
        'data',
      ]);
    }
    const pk = streamPk(this.tenant, stream);
    const item: SnapshotItem = {
      pk,
      sk: snapshotSk(request.version),
      streamId: stream.id,
      category: stream.category,
      version: request.version,
      type,
      data,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.table,
                Key: toItem({ pk, sk: headSk }),
                ConditionExpression:
                  'attribute_exists(pk) AND #version >= :version AND attribute_not_exists(deleting)',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: toItem({ ':version': request.version }),
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            { Put: { TableName: this.table, Item: toItem(item) } },
          ],
        }),
      );
    } catch (error) {
      if (!isTransactionCanceled(error)) throw toStoreUnavailable(error, 'TransactWriteItems');
      const reason = (error as { CancellationReasons?: Array<{ Code?: string; Item?: Item }> })
        .CancellationReasons?.[0];
      if (reason?.Code !== 'ConditionalCheckFailed') throw toStoreUnavailable(error, 'TransactWriteItems');
      const head = reason.Item ? fromItem<HeadItem>(reason.Item) : null;
      if (head === null || head.deleting) throw new StreamNotFoundError();
      throw new InvalidInputError(
        `A snapshot version lies from 1 to the stream's version, ${head.version}; ${request.version} does not.`,
        ['version'],
      );
    }
    return toSnapshot(item);
  }

  async latestSnapshot(ref: StreamRef, maxVersionIncluded?: number): Promise<Snapshot | null> {
    const stream = this.resolve(ref);
    return this.latestSnapshotIn(streamPk(this.tenant, stream), 1, maxVersionIncluded ?? maxVersion);
  }

  private async latestSnapshotIn(pk: string, from: number, to: number): Promise<Snapshot | null> {
    if (from > to) return null;
    const page = await this.query({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
      ExpressionAttributeValues: toItem({ ':pk': pk, ':low': snapshotSk(from), ':high': snapshotSk(to) }),
      ScanIndexForward: false,
      Limit: 1,
    });
    const item = page.Items?.[0];
    return item ? toSnapshot(fromItem<SnapshotItem>(item)) : null;
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

  private async query(input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead'>) {
    return this.send('Query', () =>
      this.client.send(new QueryCommand({ ...input, TableName: this.table, ConsistentRead: true })),
    );
  }

  /** A read, paid from this tenant's read budget, within its share of concurrent reads. */
  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    await this.budget.spend();
    try {
      return await this.reads.run(call);
    } catch (error) {
      throw toStoreUnavailable(error, operation);
    }
  }
}
