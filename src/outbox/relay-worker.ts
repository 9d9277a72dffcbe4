/**
 * One webhook consumer's worker in a gateway's relay: a consume session in webhook mode competes
 * for the consumer's lease exactly as a `consume` subscription does (src/consumers/: one lease
 * keeper), and while it holds it the worker POSTs the session's events, one batch at a time.
 *
 * A batch is what the session has ready, up to `batchSize`, in position order. It keeps its
 * delivery id across its attempts; a failed attempt is sent again after webhookRetryDelay, and
 * after maxAttempts failures its events are parked with the last reason, then the next batch
 * goes. The session's `dropped` signal (lease lost, reset or replay, closing) ends a batch at
 * once, even mid-request: those events are delivered again from the checkpoint, by whichever
 * session holds the lease then.
 *
 * The secret goes only to sendWebhook, and bodies only to the receiver: neither is reported.
 */
import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../config/webhooks.js';
import {
  type ConsumerEventSource,
  type ConsumerSessions,
  ConsumeSession,
  type DeliveryBatch,
  type SessionErrorPlace,
  type SessionTiming,
  wallClock,
} from '../consumers/index.js';
import type {
  ConsumerState,
  ConsumerStore,
  ConsumerWebhook,
  WebhookConsumerRef,
} from '../store/consumers/types.js';
import type { SubscribableStore } from '../subscriptions/index.js';
import { webhookRetryDelay } from './backoff.js';
import { webhookBody } from './payload.js';
import { sendWebhook } from './webhook-sender.js';

/** One attempt's outcome: ok (2xx), failed (sent again later), parked (the last attempt failed). */
export type WebhookOutcome = 'ok' | 'failed' | 'parked';

/** Where the relay met an error: a session's places, reading the registry, or reading a consumer. */
export type RelayErrorPlace = SessionErrorPlace | 'scan' | 'lookup';

export interface RelayErrorWhere {
  /** Null for the registry scan, which is not about one consumer. */
  readonly tenant: string | null;
  readonly consumer: string | null;
  readonly during: RelayErrorPlace;
}

/** What every worker of a relay shares. */
export interface RelayParts {
  readonly consumers: ConsumerStore;
  readonly events: (tenant: string) => SubscribableStore;
  readonly hub: ConsumerEventSource;
  readonly sessions: ConsumerSessions;
  readonly settings: WebhookConfig;
  readonly timing: Partial<SessionTiming> | undefined;
  report(error: unknown, where: RelayErrorWhere): void;
  delivered(ref: WebhookConsumerRef, outcome: WebhookOutcome, events: number): void;
}

/** What one batch is sent with. */
interface Target {
  readonly name: string;
  readonly webhook: ConsumerWebhook;
  readonly maxAttempts: number;
}

/**
 * The relay never lets the consumer's ackTimeoutMs fire: it acks or parks each batch itself,
 * after attempts that may be 70 s apart (a 10 s request, then up to 60 s of backoff).
 */
const relayAckTimeoutMs = Number.POSITIVE_INFINITY;

/**
 * A signal that aborts when the batch is dropped or the worker stops. Not AbortSignal.any: the
 * worker's own signal lives as long as the worker, and `release` takes the batch's listener off it.
 */
function batchCancellation(
  dropped: AbortSignal,
  stopping: AbortSignal,
): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (dropped.aborted || stopping.aborted) abort();
  dropped.addEventListener('abort', abort, { once: true });
  stopping.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      dropped.removeEventListener('abort', abort);
      stopping.removeEventListener('abort', abort);
    },
  };
}

export class RelayWorker {
  /** Settles when the worker has ended (never rejects). */
  readonly done: Promise<void>;
  private readonly stopping = new AbortController();
  private session: ConsumeSession | undefined;

  constructor(
    readonly ref: WebhookConsumerRef,
    private readonly parts: RelayParts,
  ) {
    this.done = this.run().catch((error: unknown) => this.report(error, 'unexpected'));
  }

  /** Waiting or delivering; undefined before the consumer was read. */
  get state(): ConsumeSession['state'] | undefined {
    return this.session?.state;
  }

  /** Graceful: the session saves its checkpoint and releases the lease; a request in flight is aborted. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.session?.close();
    await this.done;
  }

  private async run(): Promise<void> {
    const consumer = await this.lookUp();
    // Deleted since the registry was read, or unreadable now: a later scan starts it if still listed.
    if (!consumer?.webhook || this.stopping.signal.aborted) return;
    const target = { name: consumer.name, webhook: consumer.webhook, maxAttempts: consumer.maxAttempts };
    const session = new ConsumeSession({
      consumers: this.parts.consumers.forTenant(this.ref.tenant),
      events: this.parts.events(this.ref.tenant),
      hub: this.parts.hub,
      sessions: this.parts.sessions,
      name: consumer.name,
      // One batch at a time: the ledger never hands out more than the batch being sent.
      maxInFlight: consumer.webhook.batchSize,
      incarnation: consumer.incarnation,
      webhook: true,
      ackTimeoutMs: relayAckTimeoutMs,
      timing: this.parts.timing,
      onError: (error, where) => this.report(error, where.during),
    });
    this.session = session;
    for (;;) {
      const batch = await session.nextBatch(target.webhook.batchSize);
      if (!batch) return;
      await this.relay(session, target, batch);
    }
  }

  /** The consumer as it is now; null when gone, or when the read failed (the next scan tries again). */
  private async lookUp(): Promise<ConsumerState | null> {
    try {
      return await this.parts.consumers.forTenant(this.ref.tenant).get(this.ref.name);
    } catch (error) {
      this.report(error, 'lookup');
      return null;
    }
  }

  /** Sends one batch until it is acknowledged, parked, or dropped. */
  private async relay(session: ConsumeSession, target: Target, batch: DeliveryBatch): Promise<void> {
    const cancellation = batchCancellation(batch.dropped, this.stopping.signal);
    try {
      await this.attempts(session, target, batch, cancellation.signal);
    } finally {
      cancellation.release();
    }
  }

  private async attempts(
    session: ConsumeSession,
    target: Target,
    batch: DeliveryBatch,
    cancelled: AbortSignal,
  ): Promise<void> {
    const { settings } = this.parts;
    const positions = batch.deliveries.map((delivery) => delivery.event.position);
    const deliveryId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const body = webhookBody(
        target.name,
        batch.deliveries.map(({ event }) => ({ event, attempt })),
      );
      const { url, secret } = target.webhook;
      const result = await sendWebhook({ url, body, secret, deliveryId, settings, signal: cancelled });
      if (result.ok) {
        // Even when stopping: the ack still counts until the session's last write (when dropped,
        // the session ignores it).
        session.ack(positions);
        this.parts.delivered(this.ref, 'ok', positions.length);
        return;
      }
      // Dropped or stopping: whoever holds the lease next sends these events again.
      if (cancelled.aborted) return;
      if (attempt >= target.maxAttempts) {
        session.nack(positions, 'PARK', result.reason, attempt);
        this.parts.delivered(this.ref, 'parked', positions.length);
        return;
      }
      this.parts.delivered(this.ref, 'failed', positions.length);
      await wallClock.sleep(webhookRetryDelay(attempt, settings.retryBaseMs), cancelled);
      if (cancelled.aborted) return;
    }
  }

  private report(error: unknown, during: RelayErrorPlace): void {
    this.parts.report(error, { tenant: this.ref.tenant, consumer: this.ref.name, during });
  }
}
