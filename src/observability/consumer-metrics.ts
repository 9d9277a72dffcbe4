/**
 * Durable consumers in /metrics and the logs. Gauges are read at scrape time from this
 * gateway's consume sessions (those holding a lease report lag and in flight); counters count
 * what this gateway's sessions and relay did: events parked, webhook attempts by outcome. Tenant
 * and consumer labels are bounded (1,000 values each, then `other`), since both are chosen by
 * clients. Log lines name the tenant and consumer, never a secret or an event.
 */
import { Counter } from 'prom-client';
import type { ConsumerSessions, SessionErrorWhere } from '../consumers/index.js';
import type { SubscriptionHub } from '../subscriptions/index.js';
import { boundedLabel } from './bounded-label.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export type WebhookOutcome = 'ok' | 'failed' | 'parked';

export interface ConsumerObserver {
  /** A session (consume or relay) of this consumer parked events. */
  parked(tenant: string, consumer: string, count: number): void;
  /** One webhook attempt (a batch of `events`) ended so. */
  webhookAttempt(tenant: string, consumer: string, outcome: WebhookOutcome, events: number): void;
  /** A store call or the event source of a session failed; it is retried. */
  sessionError(error: unknown, where: SessionErrorWhere): void;
  /** The relay read the registry of webhook consumers (one Query). */
  registryScanned(): void;
}

export function registerConsumerMetrics(
  metrics: Metrics,
  sessions: ConsumerSessions,
  hub: SubscriptionHub,
  logger: Logger,
): ConsumerObserver {
  const tenantLabel = boundedLabel({ maxLength: 64, maxValues: 1000 });
  const consumerLabel = boundedLabel({ maxLength: 128, maxValues: 1000 });
  const labels = (tenant: string, consumer: string) => ({
    tenant: tenantLabel(tenant),
    consumer: consumerLabel(consumer),
  });
  const holders = () => sessions.stats().filter((stats) => stats.holding);
  const heads = () => new Map(hub.stats().tenants.map((stats) => [stats.tenant, stats.knownHead]));
  metrics.gauge(
    'eventloom_consumer_lease_held',
    'Consumers whose lease this gateway holds (1 each): it delivers them.',
    ['tenant', 'consumer'],
    () => holders().map((stats) => ({ labels: labels(stats.tenant, stats.consumer), value: 1 })),
  );
  metrics.gauge(
    'eventloom_consumer_in_flight',
    'Events delivered and not yet acknowledged or parked, per consumer this gateway delivers.',
    ['tenant', 'consumer'],
    () => holders().map((stats) => ({ labels: labels(stats.tenant, stats.consumer), value: stats.inFlight })),
  );
  metrics.gauge(
    'eventloom_consumer_lag',
    "The tenant's head (as this gateway knows it) minus the consumer's checkpoint, per consumer this gateway delivers.",
    ['tenant', 'consumer'],
    () => {
      const known = heads();
      return holders().map((stats) => ({
        labels: labels(stats.tenant, stats.consumer),
        value: Math.max(0, (known.get(stats.tenant) ?? 0) - (stats.checkpoint ?? 0)),
      }));
    },
  );
  metrics.gauge(
    'eventloom_consumer_waiting_sessions',
    "Sessions of this gateway waiting for a consumer's lease (consume subscriptions and relay workers).",
    ['tenant', 'consumer'],
    () => {
      const waiting = new Map<string, { tenant: string; consumer: string; value: number }>();
      for (const stats of sessions.stats()) {
        if (stats.holding) continue;
        const key = JSON.stringify([stats.tenant, stats.consumer]);
        const entry = waiting.get(key) ?? { tenant: stats.tenant, consumer: stats.consumer, value: 0 };
        entry.value += 1;
        waiting.set(key, entry);
      }
      return [...waiting.values()].map((entry) => ({
        labels: labels(entry.tenant, entry.consumer),
        value: entry.value,
      }));
    },
  );
  const parked = new Counter({
    name: 'eventloom_consumer_parked_events_total',
    help: 'Events parked (dead letters) by this gateway, per consumer.',
    labelNames: ['tenant', 'consumer'],
    registers: [metrics.registry],
  });
  const webhookEvents = new Counter({
    name: 'eventloom_webhook_events_total',
    help: 'Events in webhook attempts by outcome: ok (acknowledged by a 2xx), failed (to be sent again), parked.',
    labelNames: ['tenant', 'consumer', 'outcome'],
    registers: [metrics.registry],
  });
  const webhookRequests = new Counter({
    name: 'eventloom_webhook_requests_total',
    help: 'Webhook requests (batches) by outcome: ok, failed (to be sent again), parked (the last attempt failed).',
    labelNames: ['tenant', 'consumer', 'outcome'],
    registers: [metrics.registry],
  });
  const registryScans = new Counter({
    name: 'eventloom_webhook_registry_scans_total',
    help: "The relay's reads of the registry of webhook consumers (one DynamoDB Query each, every 2 s).",
    registers: [metrics.registry],
  });
  return {
    registryScanned: () => registryScans.inc(),
    parked(tenant, consumer, count) {
      parked.inc(labels(tenant, consumer), count);
      logger.info({ msg: 'consumer parked events', tenant, consumer, count });
    },
    webhookAttempt(tenant, consumer, outcome, events) {
      webhookRequests.inc({ ...labels(tenant, consumer), outcome });
      webhookEvents.inc({ ...labels(tenant, consumer), outcome }, events);
      if (outcome === 'parked') parked.inc(labels(tenant, consumer), events);
      if (outcome !== 'ok') logger.info({ msg: 'webhook attempt', tenant, consumer, outcome, events });
    },
    sessionError(error, where) {
      logger.warn(
        `consumers: ${where.during} failed for consumer ${where.consumer} of tenant ${where.tenant}; retrying.`,
        error,
      );
    },
  };
}
