/**
 * What the `consume` sessions of one gateway share: which local session holds each consumer's
 * lease (so that `ackEvents` / `nackEvents` on this gateway reach it), every open session (so
 * that a graceful shutdown closes them all), and the signals that let a waiting session take a
 * lease at once when another session of this gateway releases it (instead of at its next
 * 1-second retry).
 *
 * Acks are routed only within the gateway. A client acknowledges on the connection that
 * delivered the events: graphql-ws keeps one connection, hence one gateway. An ack sent to
 * another gateway (say, over HTTP through a load balancer) finds no session there and is
 * ignored; the event is delivered again after ackTimeoutMs, so delivery stays at least once.
 */
import type { ConsumerState } from '../store/consumers/types.js';
import type { Clock } from '../subscriptions/index.js';
import type { NackAction } from './ledger.js';

/** Where acks and nacks for one consumer go: the session holding its lease on this gateway. */
export interface AckReceiver {
  ack(positions: readonly number[]): void;
  nack(positions: readonly number[], action: NackAction, reason: string | null): void;
  /** The consumer as its lease holder knows it now (the checkpoint not yet saved included); null when not holding. */
  readonly current: ConsumerState | null;
}

export interface ConsumeSessionStats {
  readonly tenant: string;
  readonly consumer: string;
  /** A relay worker's session (a webhook consumer), not a `consume` subscription. */
  readonly webhook: boolean;
  /** This session holds the consumer's lease (it delivers). */
  readonly holding: boolean;
  /** The checkpoint as this holder knows it (saved within a second); null while not holding. */
  readonly checkpoint: number | null;
  readonly inFlight: number;
}

export interface ClosableSession {
  close(): Promise<void>;
  readonly stats: ConsumeSessionStats;
}

function keyOf(tenant: string, name: string): string {
  // JSON keeps any tenant and name apart: no pair can spell another's key.
  return JSON.stringify([tenant, name]);
}

export class LeaseSignals {
  private readonly waiters = new Map<string, Set<() => void>>();

  /**
   * Resolves after `ms`, as soon as a session of this gateway releases the consumer's lease, or
   * when `signal` aborts, whichever comes first. Never rejects.
   */
  async waitForRelease(
    tenant: string,
    name: string,
    ms: number,
    clock: Clock,
    signal?: AbortSignal,
  ): Promise<void> {
    if (signal?.aborted) return;
    const key = keyOf(tenant, name);
    const timer = new AbortController();
    let wake: () => void = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const waiting = this.waiters.get(key) ?? new Set();
    waiting.add(wake);
    this.waiters.set(key, waiting);
    signal?.addEventListener('abort', wake, { once: true });
    try {
      await Promise.race([woken, clock.sleep(ms, timer.signal)]);
    } finally {
      timer.abort();
      signal?.removeEventListener('abort', wake);
      waiting.delete(wake);
      if (waiting.size === 0 && this.waiters.get(key) === waiting) this.waiters.delete(key);
    }
  }

  /** A session of this gateway released the consumer's lease: its local waiters try at once. */
  released(tenant: string, name: string): void {
    for (const wake of this.waiters.get(keyOf(tenant, name)) ?? []) wake();
  }
}

export class ConsumerSessions {
  readonly leaseSignals = new LeaseSignals();
  private readonly active = new Map<string, AckReceiver>();
  private readonly open = new Set<ClosableSession>();

  /** A session took the consumer's lease: acks for the consumer on this gateway go to it. */
  activate(tenant: string, name: string, session: AckReceiver): void {
    this.active.set(keyOf(tenant, name), session);
  }

  /** The session no longer holds the lease (a newer local holder, if any, stays). */
  deactivate(tenant: string, name: string, session: AckReceiver): void {
    const key = keyOf(tenant, name);
    if (this.active.get(key) === session) this.active.delete(key);
  }

  /** The consumer as this gateway's lease holder knows it, or null when no local session holds it. */
  current(tenant: string, name: string): ConsumerState | null {
    return this.active.get(keyOf(tenant, name))?.current ?? null;
  }

  isActive(tenant: string, name: string): boolean {
    return this.active.has(keyOf(tenant, name));
  }

  /** Routes `ackEvents`; false when no session of this gateway holds the consumer (then ignored). */
  ack(tenant: string, name: string, positions: readonly number[]): boolean {
    const session = this.active.get(keyOf(tenant, name));
    session?.ack(positions);
    return session !== undefined;
  }

  /** Routes `nackEvents`; false when no session of this gateway holds the consumer (then ignored). */
  nack(
    tenant: string,
    name: string,
    positions: readonly number[],
    action: NackAction,
    reason: string | null,
  ): boolean {
    const session = this.active.get(keyOf(tenant, name));
    session?.nack(positions, action, reason);
    return session !== undefined;
  }

  opened(session: ClosableSession): void {
    this.open.add(session);
  }

  closed(session: ClosableSession): void {
    this.open.delete(session);
  }

  /** Sessions started and not ended, waiting or delivering. */
  get openCount(): number {
    return this.open.size;
  }

  /** Every open session's stats, holding or waiting (for metrics). */
  stats(): ConsumeSessionStats[] {
    return [...this.open].map((session) => session.stats);
  }

  /** Graceful shutdown: every session saves its checkpoint, releases its lease and ends. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((session) => session.close()));
  }
}
