/**
 * Durable consumers as the store keeps them (DynamoDB, same table as the events): a consumer's
 * definition and cursor, the lease that makes one holder deliver it at a time, and its parked
 * events (dead letters). No GraphQL and no delivery logic here: the store only keeps records
 * and enforces, with DynamoDB conditions, that a holder who lost its lease changes nothing.
 *
 * The rules the API promises are in ../../../../shared/api/parts/consumers.graphql (header).
 */
import type { EventFilter, Page } from '../types.js';

export interface ConsumerWebhook {
  readonly url: string;
  /** Stored, handed to the relay; the API never returns it and nothing logs it. */
  readonly secret: string;
  /** Events per request, 1 to 100. */
  readonly batchSize: number;
}

export interface ConsumerLease {
  /** Who holds it: one id per delivering session (a `consume` subscription or a relay worker). */
  readonly owner: string;
  /** Grows by one on every acquisition: every write of a holder is conditioned on it. */
  readonly epoch: number;
  /**
   * Milliseconds since 1970 on the clock of the gateway that took or renewed the lease: its
   * holder's own deadline. No other gateway compares it with its clock (see takeLease).
   */
  readonly expiresAt: number;
}

export interface ConsumerState {
  readonly name: string;
  /** Unique per creation: a consumer deleted and created again under its name is another one. */
  readonly incarnation: string;
  /** Null without a filter; fields not given are null. */
  readonly filter: EventFilter | null;
  /** Every selected event at or before it is acknowledged or parked. */
  readonly checkpoint: number;
  readonly maxAttempts: number;
  readonly ackTimeoutMs: number;
  readonly webhook: ConsumerWebhook | null;
  readonly createdAt: Date;
  /**
   * Grows by one on `reset` and `replayParked`: a lease holder who sees it change drops what it
   * has in flight and reloads (checkpoint, parked positions, replays). Checkpoint writes are
   * conditioned on it, so a holder cannot overwrite a reset.
   */
  readonly generation: number;
  /** The last lease written (possibly expired); null when never leased or released. */
  readonly lease: ConsumerLease | null;
}

export interface CreateConsumerRequest {
  name: string;
  filter: EventFilter | null;
  /** The starting checkpoint: delivery begins after it. */
  after: number;
  maxAttempts: number;
  ackTimeoutMs: number;
  webhook: ConsumerWebhook | null;
}

/** A lease as its holder knows it: which consumer (incarnation), who, which epoch. */
export interface HeldLease {
  readonly name: string;
  readonly incarnation: string;
  readonly owner: string;
  readonly epoch: number;
  readonly expiresAt: number;
}

export interface ParkedEventRecord {
  readonly position: number;
  /** Failed attempts before it was parked (0 when parked by a nack PARK on its first delivery). */
  readonly attempts: number;
  readonly reason: string | null;
  readonly parkedAt: Date;
}

/** A consumer of some tenant that has a webhook: what the relay of every gateway looks for. */
export interface WebhookConsumerRef {
  readonly tenant: string;
  readonly name: string;
}

export interface TenantConsumerStore {
  readonly tenant: string;

  /** Throws ConsumerExistsError when the name is taken (whatever its settings). */
  create(request: CreateConsumerRequest, now?: Date): Promise<ConsumerState>;
  get(name: string): Promise<ConsumerState | null>;
  /** By name, ascending; `after` is the previous page's last cursor. */
  list(options?: { first?: number; after?: string | null }): Promise<Page<ConsumerState>>;
  /** Removes the consumer and its parked events; false when it did not exist. */
  delete(name: string): Promise<boolean>;
  /** Moves the checkpoint (generation + 1); null when the consumer does not exist. */
  reset(name: string, after: number): Promise<ConsumerState | null>;

  /** Parked events not being replayed, in position order; cursor = the position as a string. */
  listParked(
    name: string,
    options?: { first?: number; after?: string | null },
  ): Promise<Page<ParkedEventRecord>>;
  /**
   * Marks parked events for replay (all when `positions` is null; generation + 1). Returns the
   * consumer, or null when it does not exist; throws InvalidInputError naming the positions that
   * are not parked (and marks none).
   */
  replayParked(name: string, positions: readonly number[] | null): Promise<ConsumerState | null>;

  /**
   * Takes the lease if it is still exactly as the caller saw it (`seen`: its owner, epoch and
   * expiry; null: nobody held it): epoch + 1. No clock is compared, so gateways whose clocks
   * disagree cannot take a live lease: a caller takes a held lease only after it saw it unchanged
   * (not renewed) for a whole lease period on its own clock. Null when it changed meanwhile, or
   * the consumer does not exist.
   */
  takeLease(
    name: string,
    owner: string,
    ttlMs: number,
    seen: ConsumerLease | null,
    now?: number,
  ): Promise<{ lease: HeldLease; consumer: ConsumerState } | null>;
  /** Extends a held lease; null when it was lost (taken, released, or the consumer deleted or re-created). */
  renewLease(
    lease: HeldLease,
    ttlMs: number,
    now?: number,
  ): Promise<{ lease: HeldLease; consumer: ConsumerState } | null>;
  /** Gives the lease up at once (a no-op when it was already lost). */
  releaseLease(lease: HeldLease): Promise<void>;
  /** Moves the checkpoint; false (nothing written) when the lease was lost or the generation moved on. */
  saveCheckpoint(lease: HeldLease, generation: number, checkpoint: number): Promise<boolean>;
  /** Parks events (overwriting a replaying record); false (nothing written) when the lease was lost. */
  park(lease: HeldLease, records: readonly ParkedEventRecord[]): Promise<boolean>;
  /** Parked positions greater than `after` and not being replayed: delivery skips them. */
  parkedPositionsAfter(name: string, after: number): Promise<number[]>;
  /** Positions marked for replay, in order (a holder delivers them again, attempt from 1). */
  replayingPositions(name: string): Promise<number[]>;
  /** Removes replayed records once their events are acknowledged; false when the lease was lost. */
  finishReplay(lease: HeldLease, positions: readonly number[]): Promise<boolean>;
}

export interface ConsumerStore {
  forTenant(tenant: string): TenantConsumerStore;
  /** Every webhook consumer of every tenant in the table (a registry the relay reads). */
  webhookConsumers(): Promise<WebhookConsumerRef[]>;
}
