/**
 * The bookkeeping of one consumer's delivery while its lease is held: which selected events wait
 * for their first delivery, which are in flight (until when), which wait to be delivered again
 * (from when), and how far the checkpoint may move. No I/O and no clock: time comes in as `now`
 * (milliseconds), and what must be written (parked events, finished replays, the checkpoint) is
 * taken out by the caller, who writes it.
 *
 * "Outstanding" events are delivered and neither acknowledged nor parked: in flight, or waiting
 * for a redelivery after a failed attempt. At most `maxInFlight` are outstanding at once, so a
 * client that keeps failing cannot make the ledger hand out ever more events.
 *
 * The rules are the API's (shared/api/parts/consumers.graphql, header).
 */
import type { ParkedEventRecord } from '../store/consumers/types.js';
import type { RecordedEvent } from '../store/index.js';
import { retryDelayMs } from './retry-delay.js';

/** One event handed to the client: `attempt` is 1 on its first delivery, then +1 on each redelivery. */
export interface ConsumerDelivery {
  readonly event: RecordedEvent;
  readonly attempt: number;
}

export type NackAction = 'RETRY' | 'PARK';

/** The reason an event parked after its last attempt timed out is recorded with. */
export const ackTimeoutReason = 'ack timeout';

export interface ConsumerLedgerOptions {
  /** The saved checkpoint: events at or before it are done. */
  readonly checkpoint: number;
  readonly maxInFlight: number;
  readonly maxAttempts: number;
  readonly ackTimeoutMs: number;
  /** Positions after the checkpoint that are parked: the source may offer them, they are not delivered. */
  readonly skip?: Iterable<number>;
}

interface Entry {
  readonly event: RecordedEvent;
  /** The attempt number of its last delivery; 0 before the first. */
  attempt: number;
  failures: number;
  phase: 'queued' | 'in-flight' | 'backing-off';
  /** In flight: the ack deadline. Backing off: when it is due again. */
  dueAt: number;
  /** Offered by the source: the checkpoint cannot pass it until it is acknowledged or parked. */
  holdsCheckpoint: boolean;
  /** Delivered again from the parked events: its parked record is removed once it is acknowledged. */
  replayed: boolean;
}

export class ConsumerLedger {
  private readonly maxInFlight: number;
  private readonly maxAttempts: number;
  private readonly ackTimeoutMs: number;
  /** Every event not yet acknowledged or parked, by position. */
  private readonly entries = new Map<number, Entry>();
  /** Events waiting for their first delivery, in position order. */
  private queued: Entry[] = [];
  /** Delivered, not yet acknowledged or parked. */
  private readonly outstanding = new Map<number, Entry>();
  /** Positions the source offered, in order; those before `holdingStart` are all done. */
  private holding: number[] = [];
  private holdingStart = 0;
  /** Positions the source must not bring again: parked ones, and replays done ahead of it. */
  private readonly skip: Set<number>;
  private covered: number;
  private checkpointPosition: number;
  private parked: ParkedEventRecord[] = [];
  private finishedReplays: number[] = [];

  constructor(options: ConsumerLedgerOptions) {
    this.checkpointPosition = options.checkpoint;
    this.covered = options.checkpoint;
    this.maxInFlight = options.maxInFlight;
    this.maxAttempts = options.maxAttempts;
    this.ackTimeoutMs = options.ackTimeoutMs;
    this.skip = new Set(options.skip ?? []);
  }

  /**
   * Selected events from the source, in position order, and the position it has covered.
   * Events at or before what was covered already, or to skip, are ignored.
   */
  offer(events: readonly RecordedEvent[], covered: number): void {
    for (const event of events) {
      const position = event.position;
      if (position <= this.covered || this.skip.has(position)) continue;
      this.covered = position;
      this.holding.push(position);
      const replaying = this.entries.get(position);
      if (replaying) {
        // A replay the source reached before it was done: one delivery serves both.
        replaying.holdsCheckpoint = true;
        continue;
      }
      this.enqueue(this.newEntry(event, { holdsCheckpoint: true, replayed: false }));
    }
    this.covered = Math.max(this.covered, covered);
    for (const position of this.skip) if (position <= this.covered) this.skip.delete(position);
    this.advanceCheckpoint();
  }

  /** Parked events to deliver again, attempt from 1. They do not hold the checkpoint back. */
  replay(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      const known = this.entries.get(event.position);
      if (known) {
        known.replayed = true;
        continue;
      }
      this.enqueue(this.newEntry(event, { holdsCheckpoint: false, replayed: true }));
    }
  }

  /**
   * What to send now, at most `max`: due redeliveries first (the longest due first), then first
   * deliveries in position order while fewer than maxInFlight are outstanding.
   */
  take(now: number, max: number): ConsumerDelivery[] {
    const deliveries: ConsumerDelivery[] = [];
    for (const entry of this.dueRedeliveries(now)) {
      if (deliveries.length >= max) return deliveries;
      deliveries.push(this.deliver(entry, now));
    }
    while (deliveries.length < max && this.outstanding.size < this.maxInFlight) {
      const entry = this.queued.shift();
      if (!entry) break;
      this.outstanding.set(entry.event.position, entry);
      deliveries.push(this.deliver(entry, now));
    }
    return deliveries;
  }

  /** Acknowledges events in flight; other positions are ignored. */
  ack(positions: readonly number[]): void {
    for (const position of positions) {
      const entry = this.inFlight(position);
      if (!entry) continue;
      if (entry.replayed) this.finishedReplays.push(position);
      this.settle(entry);
    }
  }

  /**
   * RETRY: a failed attempt. PARK: parked at once, its record counting `failedAttempts` when the
   * caller counted the attempts itself (the relay retries a batch without the ledger), else the
   * ledger's count. Positions not in flight are ignored.
   */
  nack(
    positions: readonly number[],
    action: NackAction,
    reason: string | null,
    now: number,
    failedAttempts?: number,
  ): void {
    for (const position of positions) {
      const entry = this.inFlight(position);
      if (!entry) continue;
      if (action === 'PARK') this.park(entry, reason, now, failedAttempts);
      else this.fail(entry, reason, now);
    }
  }

  /** Events whose ack deadline has passed count a failed attempt; returns their positions. */
  expire(now: number): number[] {
    const expired: number[] = [];
    for (const entry of this.outstanding.values()) {
      if (entry.phase !== 'in-flight' || entry.dueAt > now) continue;
      expired.push(entry.event.position);
      this.fail(entry, ackTimeoutReason, now);
    }
    return expired;
  }

  /** Parked since the last call, for the caller to write. */
  takeParked(): ParkedEventRecord[] {
    const parked = this.parked;
    this.parked = [];
    return parked;
  }

  /** Replayed events acknowledged since the last call: their parked records can go. */
  takeFinishedReplays(): number[] {
    const finished = this.finishedReplays;
    this.finishedReplays = [];
    return finished;
  }

  /** The highest position, at most what the source covered, before which every offered event is done. */
  checkpoint(): number {
    return this.checkpointPosition;
  }

  /** Delivered and not yet acknowledged or parked (redeliveries waiting for their time included). */
  get outstandingCount(): number {
    return this.outstanding.size;
  }

  /** Fewer events wait for their first delivery than maxInFlight: the caller may pull more. */
  needsEvents(): boolean {
    return this.queued.length < this.maxInFlight;
  }

  /** The earliest ack deadline or redelivery time, or null when nothing waits on time. */
  nextWakeAt(): number | null {
    let earliest: number | null = null;
    for (const entry of this.outstanding.values()) {
      if (earliest === null || entry.dueAt < earliest) earliest = entry.dueAt;
    }
    return earliest;
  }

  private newEntry(event: RecordedEvent, marks: { holdsCheckpoint: boolean; replayed: boolean }): Entry {
    const entry: Entry = { event, attempt: 0, failures: 0, phase: 'queued', dueAt: 0, ...marks };
    this.entries.set(event.position, entry);
    return entry;
  }

  /** Into the first-delivery queue, in position order (replays may lie before offered events). */
  private enqueue(entry: Entry): void {
    const position = entry.event.position;
    const last = this.queued[this.queued.length - 1];
    if (!last || last.event.position < position) {
      this.queued.push(entry);
      return;
    }
    const index = this.queued.findIndex((queued) => queued.event.position > position);
    this.queued.splice(index, 0, entry);
  }

  private dueRedeliveries(now: number): Entry[] {
    const due: Entry[] = [];
    for (const entry of this.outstanding.values()) {
      if (entry.phase === 'backing-off' && entry.dueAt <= now) due.push(entry);
    }
    return due.sort((a, b) => a.dueAt - b.dueAt || a.event.position - b.event.position);
  }

  private deliver(entry: Entry, now: number): ConsumerDelivery {
    entry.attempt += 1;
    entry.phase = 'in-flight';
    entry.dueAt = now + this.ackTimeoutMs;
    return { event: entry.event, attempt: entry.attempt };
  }

  private inFlight(position: number): Entry | undefined {
    const entry = this.outstanding.get(position);
    return entry?.phase === 'in-flight' ? entry : undefined;
  }

  private fail(entry: Entry, reason: string | null, now: number): void {
    entry.failures += 1;
    if (entry.failures >= this.maxAttempts) {
      this.park(entry, reason, now);
      return;
    }
    entry.phase = 'backing-off';
    entry.dueAt = now + retryDelayMs(entry.failures);
  }

  private park(entry: Entry, reason: string | null, now: number, failedAttempts = entry.failures): void {
    this.parked.push({
      position: entry.event.position,
      attempts: failedAttempts,
      reason,
      parkedAt: new Date(now),
    });
    this.settle(entry);
  }

  /** Acknowledged or parked: forgotten, and the checkpoint may move. */
  private settle(entry: Entry): void {
    const position = entry.event.position;
    this.entries.delete(position);
    this.outstanding.delete(position);
    // A replay done before the source reached it must not come again from the source.
    if (!entry.holdsCheckpoint && position > this.covered) this.skip.add(position);
    this.advanceCheckpoint();
  }

  private advanceCheckpoint(): void {
    while (this.holdingStart < this.holding.length) {
      const position = this.holding[this.holdingStart]!;
      if (this.entries.get(position)?.holdsCheckpoint) break;
      this.holdingStart += 1;
    }
    const first = this.holding[this.holdingStart];
    const reached = first === undefined ? this.covered : first - 1;
    this.checkpointPosition = Math.max(this.checkpointPosition, reached);
    // Drop the done prefix now and then, so the array does not grow with the consumer's life.
    if (this.holdingStart > 1024 && this.holdingStart * 2 > this.holding.length) {
      this.holding = this.holding.slice(this.holdingStart);
      this.holdingStart = 0;
    }
  }
}
