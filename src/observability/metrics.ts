/**
 * The gateway's Prometheus metrics, in one registry per app (so that tests and several apps in
 * one process do not share counters). Collectors that read live state (subscriptions, poller
 * lag, buffers) are registered by the parts that own that state, through `gauges`.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreObserver } from '../store/index.js';
import { boundedLabel } from './bounded-label.js';

export interface Metrics {
  readonly registry: Registry;
  readonly graphqlRequests: Counter<'operation' | 'type' | 'outcome'>;
  readonly graphqlDuration: Histogram<'operation' | 'type'>;
  readonly appendDuration: Histogram<'outcome'>;
  readonly commitBatchAppends: Histogram;
  readonly commitBatchEvents: Histogram;
  readonly commitDuration: Histogram;
  readonly dynamoCalls: Counter<'operation'>;
  readonly dynamoErrors: Counter<'operation' | 'error'>;
  readonly dynamoThrottles: Counter<'operation'>;
  readonly dynamoDuration: Histogram<'operation'>;
  readonly rateLimited: Counter<'limit'>;
  /** Credentials refused (missing, invalid, expired) and operations beyond a principal's scopes (forbidden). */
  readonly accessRefused: Counter<'reason' | 'transport'>;
  readonly principalOperations: Counter<'tenant' | 'principal' | 'transport'>;
  /** Counts a request or operation of a tenant by its credential's kind (the tenant label is bounded). */
  countOperation(tenant: string, principal: 'key' | 'token' | 'anonymous', transport: 'http' | 'ws'): void;
  /** Registers a gauge whose value is read at scrape time. */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    read: () => Array<{ labels: Record<string, string>; value: number }>,
  ): void;
  /** Feeds group-commit figures from the store. */
  readonly storeObserver: StoreObserver;
  text(): Promise<string>;
  readonly contentType: string;
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'eventloom_' });
  const registers = [registry];
  const rateLimited = new Counter({
    name: 'eventloom_rate_limited_total',
    help: 'Requests refused by an abuse limit.',
    labelNames: ['limit'],
    registers,
  });
  const readsDelayed = new Counter({
    name: 'eventloom_tenant_reads_delayed_total',
    help: "DynamoDB reads that waited for their tenant's read budget.",
    labelNames: ['tenant'],
    registers,
  });
  const commitBatchAppends = new Histogram({
    name: 'eventloom_commit_batch_appends',
    help: 'Appends committed together in one group-commit transaction.',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers,
  });
  const commitBatchEvents = new Histogram({
    name: 'eventloom_commit_batch_events',
    help: 'Events committed together in one group-commit transaction.',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers,
  });
  const commitDuration = new Histogram({
    name: 'eventloom_commit_duration_seconds',
    help: 'Duration of a successful group-commit TransactWriteItems call.',
    buckets: latencyBuckets,
    registers,
  });
  const appendDuration = new Histogram({
    name: 'eventloom_append_duration_seconds',
    help: 'Latency of appends as the store answered them (queueing and group commit included).',
    labelNames: ['outcome'],
    buckets: latencyBuckets,
    registers,
  });
  const principalOperations = new Counter({
    name: 'eventloom_principal_operations_total',
    help: 'GraphQL requests (HTTP) and operations (WebSocket) by tenant and the kind of credential that made them (key, token, anonymous).',
    labelNames: ['tenant', 'principal', 'transport'],
    registers,
  });
  // Tenants come from tokens too: bounded, so that no issuer can grow the metrics without limit.
  const tenantLabel = boundedLabel({ maxLength: 64, maxValues: 1000 });
  return {
    registry,
    graphqlRequests: new Counter({
      name: 'eventloom_graphql_requests_total',
      help: 'GraphQL operations by name, type and outcome (ok, error).',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    }),
    graphqlDuration: new Histogram({
      name: 'eventloom_graphql_duration_seconds',
      help: 'Duration of GraphQL queries and mutations.',
      labelNames: ['operation', 'type'],
      buckets: latencyBuckets,
      registers,
    }),
    appendDuration,
    commitBatchAppends,
    commitBatchEvents,
    commitDuration,
    dynamoCalls: new Counter({
      name: 'eventloom_dynamodb_calls_total',
      help: 'DynamoDB calls by operation (each SDK attempt counts).',
      labelNames: ['operation'],
      registers,
    }),
    dynamoErrors: new Counter({
      name: 'eventloom_dynamodb_errors_total',
      help: 'DynamoDB calls that failed, by operation and error name.',
      labelNames: ['operation', 'error'],
      registers,
    }),
    dynamoThrottles: new Counter({
      name: 'eventloom_dynamodb_throttles_total',
      help: 'DynamoDB calls refused by throttling, by operation.',
      labelNames: ['operation'],
      registers,
    }),
    dynamoDuration: new Histogram({
      name: 'eventloom_dynamodb_duration_seconds',
      help: 'Duration of DynamoDB calls by operation.',
      labelNames: ['operation'],
      buckets: latencyBuckets,
      registers,
    }),
    rateLimited,
    accessRefused: new Counter({
      name: 'eventloom_access_refused_total',
      help: 'Requests and operations refused by authentication (missing, invalid, expired) or scopes (forbidden).',
      labelNames: ['reason', 'transport'],
      registers,
    }),
    principalOperations,
    countOperation(tenant, principal, transport) {
      principalOperations.inc({ tenant: tenantLabel(tenant), principal, transport });
    },
    gauge(name, help, labelNames, read) {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const { labels, value } of read()) this.set(labels, value);
        },
      });
    },
    storeObserver: {
      onReadLimited(tenant, outcome) {
        if (outcome === 'delayed') readsDelayed.inc({ tenant });
        else rateLimited.inc({ limit: 'tenant_reads' });
      },
      onAppendAnswered(_tenant, outcome, durationMs) {
        appendDuration.observe({ outcome }, durationMs / 1000);
      },
      onBatchCommitted(_tenant, appends, events, durationMs) {
        commitBatchAppends.observe(appends);
        commitBatchEvents.observe(events);
        commitDuration.observe(durationMs / 1000);
      },
    },
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
