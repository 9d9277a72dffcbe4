// An in-memory TenantConsumerStore for the session's unit tests, held to the same contract as
// the DynamoDB store (memory-consumer-store.test.ts runs test/store/consumers' suite on it):
// the same validation (the store's own checks, same paths), pages, lease rules with epochs kept
// across releases, writes refused to a holder who lost its lease, checkpoints refused after the
// generation moved, parked records and replays. Every read answers a copy, as a read of DynamoDB
// would, so a caller holding an answer never sees later writes through it.
import { randomUUID } from 'node:crypto';
import { renewedExpiry } from '../../src/store/consumers/lease.js';
import type {
  ConsumerLease,
  ConsumerState,
  CreateConsumerRequest,
  HeldLease,
  ParkedEventRecord,
  TenantConsumerStore,
} from '../../src/store/consumers/types.js';
import {
  checkCreateRequest,
  checkLeaseRequest,
  checkName,
  checkPosition,
  checkPositions,
  pageSize,
  parsePositionCursor,
} from '../../src/store/consumers/validate.js';
import {
  ConsumerExistsError,
  type EventFilter,
  InvalidInputError,
  type Page,
} from '../../src/store/index.js';
import type { Clock } from '../../src/subscriptions/index.js';

function sameLease(current: ConsumerLease | null, seen: ConsumerLease | null): boolean {
  if (current === null || seen === null) return current === seen;
  return current.owner === seen.owner && current.epoch === seen.epoch && current.expiresAt === seen.expiresAt;
}

interface Kept {
  state: ConsumerState;
  /** Kept when the lease is released (as the DynamoDB item keeps it): the next acquisition still grows it. */
  leaseEpoch: number;
  parked: Map<number, { record: ParkedEventRecord; replaying: boolean }>;
}

type Method = keyof Omit<TenantConsumerStore, 'tenant'>;

export interface MemoryConsumerStoreOptions {
  /**
   * Each call waits for a timer turn before it acts, as a round trip to DynamoDB would. Off by
   * default: the session tests move a manual clock and count on calls settling in microtasks.
   * The contract turns it on: its races interleave the store's calls with timers.
   */
  timerRoundTrips?: boolean;
}

export class MemoryConsumerStore implements TenantConsumerStore {
  private readonly kept = new Map<string, Kept>();
  /** Every call, as `method` (writes with their arguments), for the tests to read. */
  readonly calls: string[] = [];
  /** Makes the next calls of a method throw (once per entry). */
  readonly failures: Method[] = [];

  constructor(
    readonly tenant: string,
    private readonly clock: Clock,
    private readonly options: MemoryConsumerStoreOptions = {},
  ) {}

  async create(request: CreateConsumerRequest, now = new Date(this.clock.now())): Promise<ConsumerState> {
    this.record('create');
    checkCreateRequest(request);
    await this.roundTrip();
    if (this.kept.has(request.name)) throw new ConsumerExistsError();
    const state: ConsumerState = {
      name: request.name,
      incarnation: randomUUID(),
      filter: storedFilter(request.filter),
      checkpoint: request.after,
      maxAttempts: request.maxAttempts,
      ackTimeoutMs: request.ackTimeoutMs,
      webhook: request.webhook ? { ...request.webhook } : null,
      createdAt: new Date(now.getTime()),
      generation: 0,
      lease: null,
    };
    this.kept.set(request.name, { state, leaseEpoch: 0, parked: new Map() });
    return structuredClone(state);
  }

  async get(name: string): Promise<ConsumerState | null> {
    this.record('get');
    checkName(name);
    await this.roundTrip();
    return this.stateOf(name);
  }

  async list(options: { first?: number; after?: string | null } = {}): Promise<Page<ConsumerState>> {
    this.record('list');
    const first = pageSize(options.first);
    const after = options.after ?? null;
    if (after !== null) checkName(after, ['after']);
    await this.roundTrip();
    // Names are ASCII: string order is DynamoDB's byte order of the sort keys.
    const names = [...this.kept.keys()].filter((name) => after === null || name > after).sort();
    const edges = names.slice(0, first).map((name) => ({ cursor: name, node: this.stateOf(name)! }));
    return { edges, hasNextPage: names.length > first, hasPreviousPage: after !== null };
  }

  async delete(name: string): Promise<boolean> {
    this.record('delete');
    checkName(name);
    await this.roundTrip();
    return this.kept.delete(name);
  }

  async reset(name: string, after: number): Promise<ConsumerState | null> {
    this.record('reset');
    checkName(name);
    checkPosition(after, ['after']);
    await this.roundTrip();
    return this.update(name, (state) => ({ ...state, checkpoint: after, generation: state.generation + 1 }));
  }

  async listParked(
    name: string,
    options: { first?: number; after?: string | null } = {},
  ): Promise<Page<ParkedEventRecord>> {
    this.record('listParked');
    checkName(name);
    const first = pageSize(options.first);
    const after = options.after == null ? null : parsePositionCursor(options.after);
    await this.roundTrip();
    const found = this.positionsOf(name, { replaying: false, after: after ?? -1 });
    const edges = found.slice(0, first).map((position) => ({
      cursor: String(position),
      node: structuredClone(this.kept.get(name)!.parked.get(position)!.record),
    }));
    return { edges, hasNextPage: found.length > first, hasPreviousPage: after !== null };
  }

  async replayParked(name: string, positions: readonly number[] | null): Promise<ConsumerState | null> {
    this.record('replayParked');
    checkName(name);
    if (positions !== null) checkPositions(positions, ['positions']);
    await this.roundTrip();
    const kept = this.kept.get(name);
    if (!kept) return null;
    const unknown = positions?.findIndex((position) => !kept.parked.has(position)) ?? -1;
    if (unknown >= 0) {
      throw new InvalidInputError(
        `Position ${positions?.[unknown]} is not a parked event of this consumer.`,
        ['positions', unknown],
      );
    }
    const targets = positions ?? this.positionsOf(name, { replaying: false, after: -1 });
    // Nothing to replay: nothing for a holder to reload, so the generation stays.
    if (targets.length === 0) return this.stateOf(name);
    for (const position of targets) kept.parked.get(position)!.replaying = true;
    return this.update(name, (state) => ({ ...state, generation: state.generation + 1 }));
  }

  async takeLease(
    name: string,
    owner: string,
    ttlMs: number,
    seen: ConsumerLease | null,
    now = this.clock.now(),
  ) {
    this.record('takeLease');
    checkName(name);
    checkLeaseRequest(owner, ttlMs, now);
    await this.roundTrip();
    const kept = this.kept.get(name);
    if (!kept || !sameLease(kept.state.lease, seen)) return null;
    kept.leaseEpoch += 1;
    const expiresAt = now + ttlMs;
    this.update(name, (state) => ({ ...state, lease: { owner, epoch: kept.leaseEpoch, expiresAt } }));
    return this.grant(name);
  }

  async renewLease(lease: HeldLease, ttlMs: number, now = this.clock.now()) {
    this.record('renewLease');
    checkName(lease.name);
    checkLeaseRequest(lease.owner, ttlMs, now);
    await this.roundTrip();
    if (!this.holds(lease)) return null;
    const expiresAt = renewedExpiry(lease, ttlMs, now);
    this.update(lease.name, (state) => ({
      ...state,
      lease: { owner: lease.owner, epoch: lease.epoch, expiresAt },
    }));
    return this.grant(lease.name);
  }

  async releaseLease(lease: HeldLease): Promise<void> {
    this.record('releaseLease');
    checkName(lease.name);
    await this.roundTrip();
    if (this.holds(lease)) this.update(lease.name, (state) => ({ ...state, lease: null }));
  }

  async saveCheckpoint(lease: HeldLease, generation: number, checkpoint: number): Promise<boolean> {
    this.record('saveCheckpoint', checkpoint);
    checkName(lease.name);
    checkPosition(checkpoint, ['checkpoint']);
    await this.roundTrip();
    if (!this.holds(lease) || this.kept.get(lease.name)?.state.generation !== generation) return false;
    this.update(lease.name, (state) => ({ ...state, checkpoint }));
    return true;
  }

  async park(lease: HeldLease, records: readonly ParkedEventRecord[]): Promise<boolean> {
    this.record('park', ...records.map((record) => record.position));
    checkName(lease.name);
    checkRecords(records);
    await this.roundTrip();
    if (!this.holds(lease)) return false;
    const kept = this.kept.get(lease.name)!;
    // Several records of one position: the last wins, as in the DynamoDB store.
    for (const record of records) {
      kept.parked.set(record.position, { record: structuredClone(record), replaying: false });
    }
    return true;
  }

  async parkedPositionsAfter(name: string, after: number): Promise<number[]> {
    this.record('parkedPositionsAfter');
    checkName(name);
    checkPosition(after, ['after']);
    await this.roundTrip();
    return this.positionsOf(name, { replaying: false, after });
  }

  async replayingPositions(name: string): Promise<number[]> {
    this.record('replayingPositions');
    checkName(name);
    await this.roundTrip();
    return this.positionsOf(name, { replaying: true, after: -1 });
  }

  async finishReplay(lease: HeldLease, positions: readonly number[]): Promise<boolean> {
    this.record('finishReplay', ...positions);
    checkName(lease.name);
    checkPositions(positions, ['positions']);
    await this.roundTrip();
    if (!this.holds(lease)) return false;
    const kept = this.kept.get(lease.name)!;
    for (const position of positions) if (kept.parked.get(position)?.replaying) kept.parked.delete(position);
    return true;
  }

  /** Another gateway's session takes the lease (as if ours had expired). */
  steal(name: string, owner = 'another-gateway', ttlMs = 10_000): void {
    const kept = this.kept.get(name)!;
    kept.leaseEpoch += 1;
    const lease = { owner, epoch: kept.leaseEpoch, expiresAt: this.clock.now() + ttlMs };
    this.update(name, (state) => ({ ...state, lease }));
  }

  /** The parked records, replaying or not, by position. */
  parkedRecords(name: string): Array<ParkedEventRecord & { replaying: boolean }> {
    const parked = this.kept.get(name)?.parked ?? new Map<number, never>();
    return [...parked.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, entry]) => ({ ...entry.record, replaying: entry.replaying }));
  }

  /** Names of the consumers with a webhook (what a ConsumerStore's registry lists of this tenant). */
  webhookConsumerNames(): string[] {
    return [...this.kept.values()]
      .filter((kept) => kept.state.webhook !== null)
      .map((kept) => kept.state.name);
  }

  /** Forgets the calls so far (a test's own setup), so that the test counts only the session's. */
  forgetCalls(): void {
    this.calls.length = 0;
  }

  /** Calls of one method, with their arguments. */
  callsOf(method: Method): string[] {
    return this.calls.filter((call) => call === method || call.startsWith(`${method} `));
  }

  private record(method: Method, ...args: number[]): void {
    this.calls.push([method, ...args].join(' '));
    const failing = this.failures.indexOf(method);
    if (failing >= 0) {
      this.failures.splice(failing, 1);
      throw new Error(`${method} failed (injected)`);
    }
  }

  private async roundTrip(): Promise<void> {
    if (this.options.timerRoundTrips) await new Promise((resolve) => setTimeout(resolve, 0));
  }

  private holds(lease: HeldLease): boolean {
    const state = this.kept.get(lease.name)?.state;
    return (
      state?.incarnation === lease.incarnation &&
      state.lease?.owner === lease.owner &&
      state.lease.epoch === lease.epoch
    );
  }

  /** A copy of the consumer as stored; null when it does not exist. */
  private stateOf(name: string): ConsumerState | null {
    const state = this.kept.get(name)?.state;
    return state ? structuredClone(state) : null;
  }

  private grant(name: string): { lease: HeldLease; consumer: ConsumerState } | null {
    const consumer = this.stateOf(name);
    if (consumer?.lease == null) return null;
    return { lease: { name, incarnation: consumer.incarnation, ...consumer.lease }, consumer };
  }

  private update(name: string, change: (state: ConsumerState) => ConsumerState): ConsumerState | null {
    const kept = this.kept.get(name);
    if (!kept) return null;
    kept.state = change(kept.state);
    return structuredClone(kept.state);
  }

  /** Positions above `after` that are (or are not) being replayed, in order. */
  private positionsOf(name: string, query: { replaying: boolean; after: number }): number[] {
    const parked = this.kept.get(name)?.parked ?? new Map<number, never>();
    return [...parked.entries()]
      .filter(([position, entry]) => position > query.after && entry.replaying === query.replaying)
      .map(([position]) => position)
      .sort((a, b) => a - b);
  }
}

/** A filter as the DynamoDB store keeps it: every field present, null when not given. */
function storedFilter(filter: EventFilter | null): EventFilter | null {
  if (filter === null) return null;
  return {
    categories: filter.categories ? [...filter.categories] : null,
    types: filter.types ? [...filter.types] : null,
    streamIds: filter.streamIds ? [...filter.streamIds] : null,
  };
}

/** The DynamoDB store's checks of parked records (parked-writes.ts), with the same paths. */
function checkRecords(records: readonly ParkedEventRecord[]): void {
  records.forEach((record, index) => {
    checkPosition(record.position, ['records', index, 'position']);
    checkPosition(record.attempts, ['records', index, 'attempts']);
    if (!(record.parkedAt instanceof Date) || Number.isNaN(record.parkedAt.getTime())) {
      throw new InvalidInputError('parkedAt is a valid date.', ['records', index, 'parkedAt']);
    }
  });
}
