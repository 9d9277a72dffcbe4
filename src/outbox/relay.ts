/**
 * The outbox: every gateway runs one WebhookRelay. It reads the registry of webhook consumers
 * (all tenants) at start and every 2 s, and keeps one worker (relay-worker.ts) per consumer
 * listed: each competes for its consumer's lease like a `consume` subscription, so exactly one
 * gateway at a time relays a consumer, and another takes over within 2 s of a graceful stop
 * (the lease is released) or within 15 s of a crash (it expires). A worker ends when its
 * consumer is deleted (or created again under its name: the next scan starts a worker for the
 * new one). README.md in this folder has the rules and what it costs in DynamoDB.
 *
 * Wiring (server): `relay.start()` after the hub; on shutdown `await relay.stop()` before
 * `sessions.closeAll()` and `hub.close()`.
 */
import type { WebhookConfig } from '../config/webhooks.js';
import type { ConsumerEventSource, ConsumerSessions, SessionTiming } from '../consumers/index.js';
import type { ConsumerStore, WebhookConsumerRef } from '../store/consumers/types.js';
import type { SubscribableStore } from '../subscriptions/index.js';
import { type RelayErrorWhere, type RelayParts, RelayWorker, type WebhookOutcome } from './relay-worker.js';

export type { RelayErrorPlace, RelayErrorWhere, WebhookOutcome } from './relay-worker.js';

export interface WebhookRelayOptions {
  readonly consumers: ConsumerStore;
  /** The tenant's unrestricted event store: the hub's source and where replayed events are read. */
  readonly events: (tenant: string) => SubscribableStore;
  /** The gateway's SubscriptionHub (or any source of event batches). */
  readonly hub: ConsumerEventSource;
  /** The gateway's registry of consume sessions: the relay's sessions wake local waiters too. */
  readonly sessions: ConsumerSessions;
  /** The same on every gateway of a table: any of them may relay any consumer. */
  readonly settings: WebhookConfig;
  /** A store call failed (it is retried). For logging; must not throw. Never carries a secret or a body. */
  readonly onError?: ((error: unknown, where: RelayErrorWhere) => void) | undefined;
  /** Each attempt's outcome, for metrics; must not throw. */
  readonly onDelivery?:
    | ((tenant: string, consumer: string, outcome: WebhookOutcome, events: number) => void)
    | undefined;
  /** How often the registry is read; default 2000 ms. */
  readonly scanEveryMs?: number | undefined;
  /** The sessions' lease timing (tests); default src/consumers' (10 s lease, renewed every 2 s). */
  readonly timing?: Partial<SessionTiming> | undefined;
}

export interface WebhookRelayStats {
  /** Consumers with a worker on this gateway, waiting for the lease or delivering. */
  readonly workers: number;
  /** Consumers whose lease this gateway holds. */
  readonly delivering: number;
}

export const defaultRelayScanEveryMs = 2_000;

function keyOf(ref: WebhookConsumerRef): string {
  return JSON.stringify([ref.tenant, ref.name]);
}

export class WebhookRelay {
  private readonly parts: RelayParts;
  private readonly workers = new Map<string, RelayWorker>();
  private readonly scanEveryMs: number;
  private phase: 'idle' | 'running' | 'stopping' = 'idle';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private scanning: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: WebhookRelayOptions) {
    this.scanEveryMs = options.scanEveryMs ?? defaultRelayScanEveryMs;
    this.parts = {
      consumers: options.consumers,
      events: options.events,
      hub: options.hub,
      sessions: options.sessions,
      settings: options.settings,
      timing: options.timing,
      report: (error, where) => this.report(error, where),
      delivered: (ref, outcome, events) => this.delivered(ref, outcome, events),
    };
  }

  get stats(): WebhookRelayStats {
    let delivering = 0;
    for (const worker of this.workers.values()) if (worker.state === 'delivering') delivering += 1;
    return { workers: this.workers.size, delivering };
  }

  /** Reads the registry now, then every scanEveryMs. Once only: a stopped relay stays stopped. */
  start(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'running';
    this.scanNow();
  }

  /** Every worker saves its checkpoint and releases its lease; no worker starts afterwards. */
  stop(): Promise<void> {
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  private async stopAll(): Promise<void> {
    this.phase = 'stopping';
    clearTimeout(this.timer);
    await this.scanning;
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
  }

  private scanNow(): void {
    this.scanning = this.scan().finally(() => {
      this.scanning = undefined;
      if (this.phase === 'running') this.timer = setTimeout(() => this.scanNow(), this.scanEveryMs);
    });
  }

  private async scan(): Promise<void> {
    let listed: WebhookConsumerRef[];
    try {
      listed = await this.options.consumers.webhookConsumers();
    } catch (error) {
      this.report(error, { tenant: null, consumer: null, during: 'scan' });
      return;
    }
    for (const ref of listed) if (this.phase === 'running') this.ensureWorker(ref);
  }

  /** A worker for the consumer unless one runs; it leaves the map when it ends. */
  private ensureWorker(ref: WebhookConsumerRef): void {
    const key = keyOf(ref);
    if (this.workers.has(key)) return;
    const worker = new RelayWorker({ tenant: ref.tenant, name: ref.name }, this.parts);
    this.workers.set(key, worker);
    void worker.done.then(() => {
      if (this.workers.get(key) === worker) this.workers.delete(key);
    });
  }

  private report(error: unknown, where: RelayErrorWhere): void {
    try {
      this.options.onError?.(error, where);
    } catch {
      // Reporting must not end relaying.
    }
  }

  private delivered(ref: WebhookConsumerRef, outcome: WebhookOutcome, events: number): void {
    try {
      this.options.onDelivery?.(ref.tenant, ref.name, outcome, events);
    } catch {
      // Metrics must not end relaying.
    }
  }
}
