/** The subscription hub's figures as gauges, read from the hub at scrape time. */
import type { SubscriptionHub, TenantSubscriptionStats } from '../subscriptions/index.js';
import type { Metrics } from './metrics.js';

export function registerSubscriptionGauges(metrics: Metrics, hub: SubscriptionHub): void {
  const perTenant = (read: (stats: TenantSubscriptionStats) => number) => () =>
    hub.stats().tenants.map((stats) => ({ labels: { tenant: stats.tenant }, value: read(stats) }));
  metrics.gauge(
    'eventloom_subscriptions',
    'Open subscriptions by tenant.',
    ['tenant'],
    perTenant((s) => s.subscriptions),
  );
  metrics.gauge(
    'eventloom_poller_lag',
    "Positions committed but not yet delivered by the tenant's poller (head minus delivered position).",
    ['tenant'],
    perTenant((s) => s.pollerLag),
  );
  metrics.gauge(
    'eventloom_subscriber_max_lag',
    'How far the slowest subscription of the tenant trails the head, in positions.',
    ['tenant'],
    perTenant((s) => s.maxSubscriberLag),
  );
  metrics.gauge(
    'eventloom_subscription_buffered_events',
    'Events held in the subscription buffers of the tenant.',
    ['tenant'],
    perTenant((s) => s.bufferedEvents),
  );
  metrics.gauge(
    'eventloom_poller_reads_total',
    'Log Queries made by the tenant poller since it started.',
    ['tenant'],
    perTenant((s) => s.pollReads),
  );
}
