/**
 * A tenant's store as a restricted principal sees it (`restriction.ts`): every read and write
 * goes through here. A stream the restriction does not allow reads as missing (no stream, no
 * events, no snapshot, absent from listings, its log entries skipped as if filtered out while
 * `lastPosition` still advances past them); a write to it is refused with ForbiddenError
 * before anything is written. Streams are named as the store names them (`resolveStreamRef`,
 * with the store's own limits), so a name and its id are one stream here as there.
 */
import { ForbiddenError } from './errors.js';
import type { StoreLimits } from './limits.js';
import type { StreamRestriction } from './restriction.js';
import { resolveStreamRef } from './stream-id.js';
import type {
  AppendRequest,
  AppendResult,
  AppendToStreamsRequest,
  AppendToStreamsResult,
  DeleteStreamResult,
  ListCategoriesOptions,
  ListStreamsOptions,
  LogPage,
  Page,
  ReadLogOptions,
  ReadStreamOptions,
  RecordedEvent,
  SaveSnapshotRequest,
  Snapshot,
  StreamInfo,
  StreamKey,
  StreamRef,
  TenantEventStore,
} from './types.js';

/** The view of `store` (a whole tenant's) that only sees and writes what `restriction` allows. */
export function restrictTenantStore(
  store: TenantEventStore,
  restriction: StreamRestriction,
  limits: Pick<StoreLimits, 'maxStreamNameLength' | 'maxCategoryLength'>,
): TenantEventStore {
  // Restrictions do not nest: a view of a view would have to intersect them.
  if (store.restriction) throw new Error('restrictTenantStore: the store is already restricted');
  return new RestrictedTenantStore(store, restriction, limits);
}

/** What reading a missing stream gives. */
function noEvents(): Page<RecordedEvent> {
  return { edges: [], hasNextPage: false, hasPreviousPage: false };
}

class RestrictedTenantStore implements TenantEventStore {
  readonly tenant: string;

  constructor(
    readonly unrestricted: TenantEventStore,
    readonly restriction: StreamRestriction,
    private readonly limits: Pick<StoreLimits, 'maxStreamNameLength' | 'maxCategoryLength'>,
  ) {
    this.tenant = unrestricted.tenant;
  }

  /** Whether the stream `ref` names is allowed; a malformed ref throws the store's InvalidInputError. */
  private allows(ref: StreamRef): boolean {
    return this.restriction.allows(resolveStreamRef(ref ?? {}, this.limits, ['stream']));
  }

  private checkWrite(ref: StreamRef): void {
    if (!this.allows(ref)) throw new ForbiddenError();
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    this.checkWrite(request.stream);
    return this.unrestricted.append(request);
  }

  /** Every stream it touches, conditions included (they read a version), must be allowed. */
  async appendToStreams(request: AppendToStreamsRequest): Promise<AppendToStreamsResult> {
    const refs = [
      ...(request?.appends ?? []).map((append, index) => ({ ref: append?.stream, path: ['appends', index] })),
      ...(request?.conditions ?? []).map((condition, index) => ({
        ref: condition?.stream,
        path: ['conditions', index],
      })),
    ];
    for (const { ref, path } of refs) {
      const stream = resolveStreamRef(ref ?? {}, this.limits, [...path, 'stream']);
      if (!this.restriction.allows(stream)) throw new ForbiddenError();
    }
    return this.unrestricted.appendToStreams(request);
  }

  async saveSnapshot(request: SaveSnapshotRequest): Promise<Snapshot> {
    this.checkWrite(request.stream);
    return this.unrestricted.saveSnapshot(request);
  }

  async deleteStream(ref: StreamRef, expectedVersion?: number | null): Promise<DeleteStreamResult> {
    this.checkWrite(ref);
    return this.unrestricted.deleteStream(ref, expectedVersion);
  }

  async getStream(ref: StreamRef): Promise<StreamInfo | null> {
    return this.allows(ref) ? this.unrestricted.getStream(ref) : null;
  }

  async getStreams(keys: readonly StreamKey[]): Promise<(StreamInfo | null)[]> {
    const allowed = keys.filter((key) => this.restriction.allows(key));
    if (allowed.length === 0) return keys.map(() => null);
    const infos = await this.unrestricted.getStreams(allowed);
    let next = 0;
    return keys.map((key) => (this.restriction.allows(key) ? (infos[next++] ?? null) : null));
  }

  async listStreams(options: ListStreamsOptions = {}): Promise<Page<StreamInfo>> {
    return this.unrestricted.listStreams({ ...options, restriction: this.restriction });
  }

  async listCategories(options: ListCategoriesOptions = {}): Promise<Page<string>> {
    return this.unrestricted.listCategories({ ...options, restriction: this.restriction });
  }

  async readStream(ref: StreamRef, options: ReadStreamOptions = {}): Promise<Page<RecordedEvent>> {
    return this.allows(ref) ? this.unrestricted.readStream(ref, options) : noEvents();
  }

  async readLog(options: ReadLogOptions = {}): Promise<LogPage> {
    return this.unrestricted.readLog({ ...options, restriction: this.restriction });
  }

  async headPosition(): Promise<number> {
    return this.unrestricted.headPosition();
  }

  async latestSnapshot(ref: StreamRef, maxVersion?: number): Promise<Snapshot | null> {
    return this.allows(ref) ? this.unrestricted.latestSnapshot(ref, maxVersion) : null;
  }
}
