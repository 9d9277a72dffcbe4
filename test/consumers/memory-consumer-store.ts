// An in-memory TenantConsumerStore for the session's unit tests: the interface's rules (leases
// with epochs and expiry, writes refused to a holder who lost its lease, checkpoints refused after
// the generation moved, parked records and replays), no DynamoDB. The DynamoDB store is tested
// against the real thing elsewhere; these tests are about what a session does with the answers.
import { randomUUID } from 'node:crypto';
import type {
  ConsumerState,
  CreateConsumerRequest,
  HeldLease,
  ParkedEventRecord,
  TenantConsumerStore,
} from '../../src/store/consumers/types.js';
import type { Page } from '../../src/store/index.js';
import type { Clock } from '../../src/subscriptions/index.js';

interface Kept {
  state: ConsumerState;
  parked: Map<number, { record: ParkedEventRecord; replaying: boolean }>;
}

type Method = keyof Omit<TenantConsumerStore, 'tenant'>;

export class MemoryConsumerStore implements TenantConsumerStore {
  private readonly kept = new Map<string, Kept>();
  /** Every call, as `method` (writes with their arguments), for the tests to read. */
  readonly calls: string[] = [];
  /** Makes the next calls of a method throw (once per entry). */
  readonly failures: Method[] = [];

  constructor(
    readonly tenant: string,
    private readonly clock: Clock,
  ) {}

  async create(request: CreateConsumerRequest, now = new Date(this.clock.now())): Promise<ConsumerState> {
    this.record('create');
    if (this.kept.has(request.name)) throw new Error('exists');
    const state: ConsumerState = {
      name: request.name,
      incarnation: randomUUID(),
      filter: request.filter,
      checkpoint: request.after,
      maxAttempts: request.maxAttempts,
      ackTimeoutMs: request.ackTimeoutMs,
      webhook: request.webhook,
      createdAt: now,
      generation: 0,
      lease: null,
    };
    this.kept.set(request.name, { state, parked: new Map() });
    return state;
  }

  async get(name: string): Promise<ConsumerState | null> {
    this.record('get');
    return this.kept.get(name)?.state ?? null;
  }

  async list(): Promise<Page<ConsumerState>> {
    this.record('list');
    const edges = [...this.kept.values()].map(({ state }) => ({ cursor: state.name, node: state }));
    return { edges, hasNextPage: false, hasPreviousPage: false };
  }

  async delete(name: string): Promise<boolean> {
    this.record('delete');
    return this.kept.delete(name);
  }

  async reset(name: string, after: number): Promise<ConsumerState | null> {
    this.record('reset');
    return this.update(name, (state) => ({ ...state, checkpoint: after, generation: state.generation + 1 }));
  }

  async listParked(name: string): Promise<Page<ParkedEventRecord>> {
    this.record('listParked');
    const edges = this.parkedOf(name)
      .filter(([, parked]) => !parked.replaying)
      .map(([position, parked]) => ({ cursor: String(position), node: parked.record }));
    return { edges, hasNextPage: false, hasPreviousPage: false };
  }

  async replayParked(name: string, positions: readonly number[] | null): Promise<ConsumerState | null> {
    this.record('replayParked');
    const kept = this.kept.get(name);
    if (!kept) return null;
    for (const [position, parked] of kept.parked) {
      if (positions === null || positions.includes(position)) parked.replaying = true;
    }
    return this.update(name, (state) => ({ ...state, generation: state.generation + 1 }));
  }

  async acquireLease(name: string, owner: string, ttlMs: number, now = this.clock.now()) {
    this.record('acquireLease');
    const kept = this.kept.get(name);
    if (!kept) return null;
    const current = kept.state.lease;
    if (current && current.owner !== owner && current.expiresAt > now) return null;
    const epoch = (current?.epoch ?? 0) + 1;
    const consumer = this.update(name, (state) => ({
      ...state,
      lease: { owner, epoch, expiresAt: now + ttlMs },
    }))!;
    const lease: HeldLease = {
      name,
      incarnation: consumer.incarnation,
      owner,
      epoch,
      expiresAt: now + ttlMs,
    };
    return { lease, consumer };
  }

  async renewLease(lease: HeldLease, ttlMs: number, now = this.clock.now()) {
    this.record('renewLease');
    if (!this.holds(lease)) return null;
    const expiresAt = now + ttlMs;
    const consumer = this.update(lease.name, (state) => ({
      ...state,
      lease: { owner: lease.owner, epoch: lease.epoch, expiresAt },
    }))!;
    return { lease: { ...lease, expiresAt }, consumer };
  }

  async releaseLease(lease: HeldLease): Promise<void> {
    this.record('releaseLease');
    if (this.holds(lease)) this.update(lease.name, (state) => ({ ...state, lease: null }));
  }

  async saveCheckpoint(lease: HeldLease, generation: number, checkpoint: number): Promise<boolean> {
    this.record('saveCheckpoint', checkpoint);
    const kept = this.kept.get(lease.name);
    if (!this.holds(lease) || kept?.state.generation !== generation) return false;
    this.update(lease.name, (state) => ({ ...state, checkpoint }));
    return true;
  }

  async park(lease: HeldLease, records: readonly ParkedEventRecord[]): Promise<boolean> {
    this.record('park', ...records.map((record) => record.position));
    if (!this.holds(lease)) return false;
    const kept = this.kept.get(lease.name)!;
    for (const record of records) kept.parked.set(record.position, { record, replaying: false });
    return true;
  }

  async parkedPositionsAfter(name: string, after: number): Promise<number[]> {
    this.record('parkedPositionsAfter');
    return this.parkedOf(name)
      .filter(([position, parked]) => position > after && !parked.replaying)
      .map(([position]) => position);
  }

  async replayingPositions(name: string): Promise<number[]> {
    this.record('replayingPositions');
    return this.parkedOf(name)
      .filter(([, parked]) => parked.replaying)
      .map(([position]) => position);
  }

  async finishReplay(lease: HeldLease, positions: readonly number[]): Promise<boolean> {
    this.record('finishReplay', ...positions);
    if (!this.holds(lease)) return false;
    const kept = this.kept.get(lease.name)!;
    for (const position of positions) if (kept.parked.get(position)?.replaying) kept.parked.delete(position);
    return true;
  }

  /** Another gateway's session takes the lease (as if ours had expired). */
  steal(name: string, owner = 'another-gateway', ttlMs = 10_000): void {
    const current = this.kept.get(name)!.state.lease;
    const epoch = (current?.epoch ?? 0) + 1;
    this.update(name, (state) => ({
      ...state,
      lease: { owner, epoch, expiresAt: this.clock.now() + ttlMs },
    }));
  }

  /** The parked records, replaying or not, by position. */
  parkedRecords(name: string): Array<ParkedEventRecord & { replaying: boolean }> {
    return this.parkedOf(name).map(([, parked]) => ({ ...parked.record, replaying: parked.replaying }));
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

  private holds(lease: HeldLease): boolean {
    const state = this.kept.get(lease.name)?.state;
    return (
      state?.incarnation === lease.incarnation &&
      state.lease?.owner === lease.owner &&
      state.lease.epoch === lease.epoch
    );
  }

  private update(name: string, change: (state: ConsumerState) => ConsumerState): ConsumerState | null {
    const kept = this.kept.get(name);
    if (!kept) return null;
    kept.state = change(kept.state);
    return kept.state;
  }

  private parkedOf(name: string) {
    return [...(this.kept.get(name)?.parked ?? new Map<number, never>())].sort(([a], [b]) => a - b);
  }
}
