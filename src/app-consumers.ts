/**
 * Durable consumers in a gateway: the consumer store, this gateway's consume sessions, the
 * webhook relay (src/outbox/), and their metrics and logs. `stop()` stops the relay first, then
 * every consume session saves its checkpoint and releases its lease, while the store and the hub
 * still work, so that other gateways take the consumers over at once.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Config, defaultWebhookConfig } from './config.js';
import { ConsumerSessions } from './consumers/index.js';
import type { ConsumerServices } from './context.js';
import { registerConsumerMetrics } from './observability/consumer-metrics.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { checkWebhookUrl } from './outbox/address-guard.js';
import { WebhookRelay } from './outbox/relay.js';
import { createDynamoConsumerStore, type EventStore } from './store/index.js';
import type { SubscriptionHub } from './subscriptions/index.js';

export interface ConsumerRuntime {
  readonly services: ConsumerServices;
  readonly relay: WebhookRelay;
  start(): void;
  stop(): Promise<void>;
}

export interface ConsumerRuntimeParts {
  config: Config;
  client: DynamoDBClient;
  store: EventStore;
  hub: SubscriptionHub;
  metrics: Metrics;
  logger: Logger;
}

export function createConsumerRuntime({
  config,
  client,
  store,
  hub,
  metrics,
  logger,
}: ConsumerRuntimeParts): ConsumerRuntime {
  const webhooks = config.webhooks ?? defaultWebhookConfig;
  const consumers = createDynamoConsumerStore({ client, tablePrefix: config.tablePrefix });
  const sessions = new ConsumerSessions();
  const observer = registerConsumerMetrics(metrics, sessions, hub, logger);
  const relay = new WebhookRelay({
    // Each registry read counted, so that /metrics tells the relay's Queries from the API's.
    consumers: {
      forTenant: (tenant) => consumers.forTenant(tenant),
      webhookConsumers: () => {
        observer.registryScanned();
        return consumers.webhookConsumers();
      },
    },
    events: (tenant) => store.forTenant(tenant),
    hub,
    sessions,
    settings: webhooks,
    onError: (error, where) =>
      logger.warn(
        `webhook relay: ${where.during} failed${where.consumer ? ` for consumer ${where.consumer} of tenant ${where.tenant}` : ''}; retrying.`,
        error,
      ),
    onDelivery: (tenant, consumer, outcome, events) =>
      observer.webhookAttempt(tenant, consumer, outcome, events),
  });
  return {
    services: {
      store: consumers,
      sessions,
      checkWebhookUrl: (url) => checkWebhookUrl(url, webhooks),
      hooks: { parked: observer.parked, sessionError: observer.sessionError },
    },
    relay,
    start: () => relay.start(),
    async stop() {
      await relay.stop();
      await sessions.closeAll();
    },
  };
}
