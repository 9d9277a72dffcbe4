/**
 * What a lease holder writes to the consumer store, in the order that keeps the promise "every
 * selected event at or before the checkpoint is acknowledged or parked" across a crash: parked
 * records first, then finished replays, then the checkpoint. The checkpoint is taken from the
 * ledger at the same moment as the parked records, so a saved checkpoint never passes an event
 * whose parked record is not written yet. The checkpoint is saved at most once per interval
 * while it moves, and once more when the holder stops.
 */
import type { HeldLease, ParkedEventRecord, TenantConsumerStore } from '../store/consumers/types.js';
import type { ConsumerLedger } from './ledger.js';

/**
 * paced: the checkpoint when its interval has passed, nothing while a failed write waits to be
 * retried; final: everything, now; records: parked records and finished replays only.
 */
export type WriteMode = 'paced' | 'final' | 'records';

export class CheckpointWriter {
  private parked: ParkedEventRecord[] = [];
  private finishedReplays: number[] = [];
  /** The ledger's checkpoint as of the records collected. */
  private checkpoint: number;
  private saved: number;
  private savedAt = Number.NEGATIVE_INFINITY;
  /** After a failed write, nothing is tried before this. */
  private retryAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly consumers: TenantConsumerStore,
    /** The checkpoint as stored. */
    stored: number,
    private readonly intervalMs: number,
    private readonly retryMs: number,
  ) {
    this.checkpoint = stored;
    this.saved = stored;
  }

  /** Takes what the ledger has for the store, with its checkpoint as of the same moment; returns how many events it parked. */
  collect(ledger: ConsumerLedger): number {
    const parked = ledger.takeParked();
    this.parked.push(...parked);
    this.finishedReplays.push(...ledger.takeFinishedReplays());
    this.checkpoint = Math.max(this.checkpoint, ledger.checkpoint());
    return parked.length;
  }

  /** Replayed events found gone from the log: their records can go like acknowledged ones. */
  finishReplays(positions: readonly number[]): void {
    this.finishedReplays.push(...positions);
  }

  /** When a write is next due, or null when nothing waits. */
  dueAt(): number | null {
    if (this.parked.length > 0 || this.finishedReplays.length > 0) return this.retryAt;
    if (this.checkpoint <= this.saved) return null;
    return Math.max(this.retryAt, this.savedAt + this.intervalMs);
  }

  /**
   * Writes what is due. 'refused' when the store refused a write: the lease was lost or the
   * consumer's generation moved on. A failed call throws and its records are kept for later.
   */
  async write(lease: HeldLease, generation: number, now: number, mode: WriteMode): Promise<'ok' | 'refused'> {
    // The last writes of a holder are tried whatever failed before: there is no later.
    if (mode === 'paced' && now < this.retryAt) return 'ok';
    try {
      const written = await this.writeDue(lease, generation, now, mode);
      // Refused: the holder renews to learn why; until then writing again would be refused too.
      if (!written) this.retryAt = now + this.retryMs;
      return written ? 'ok' : 'refused';
    } catch (error) {
      this.retryAt = now + this.retryMs;
      throw error;
    }
  }

  private async writeDue(
    lease: HeldLease,
    generation: number,
    now: number,
    mode: WriteMode,
  ): Promise<boolean> {
    if (!(await this.writeParked(lease))) return false;
    if (!(await this.writeFinishedReplays(lease))) return false;
    if (!this.checkpointDue(now, mode)) return true;
    const checkpoint = this.checkpoint;
    if (!(await this.consumers.saveCheckpoint(lease, generation, checkpoint))) return false;
    this.saved = Math.max(this.saved, checkpoint);
    this.savedAt = now;
    return true;
  }

  private checkpointDue(now: number, mode: WriteMode): boolean {
    if (mode === 'records' || this.checkpoint <= this.saved) return false;
    return mode === 'final' || now >= this.savedAt + this.intervalMs;
  }

  private async writeParked(lease: HeldLease): Promise<boolean> {
    if (this.parked.length === 0) return true;
    const records = this.parked;
    this.parked = [];
    try {
      return await this.consumers.park(lease, records);
    } catch (error) {
      this.parked = [...records, ...this.parked];
      throw error;
    }
  }

  private async writeFinishedReplays(lease: HeldLease): Promise<boolean> {
    if (this.finishedReplays.length === 0) return true;
    const positions = this.finishedReplays;
    this.finishedReplays = [];
    try {
      return await this.consumers.finishReplay(lease, positions);
    } catch (error) {
      this.finishedReplays = [...positions, ...this.finishedReplays];
      throw error;
    }
  }
}
