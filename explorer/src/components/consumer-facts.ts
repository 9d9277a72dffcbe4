/** How the Consumers view words a consumer's settings. */
import type { ExplorerConsumerSummaryFragment } from '../../generated/graphql';

export type ConsumerSummary = ExplorerConsumerSummaryFragment;

/** "all events", or what the filter selects: "categories orders; types OrderPlaced". */
export function describeFilter(filter: ConsumerSummary['filter']): string {
  if (!filter) return 'all events';
  const parts = [
    filter.categories ? `categories ${filter.categories.join(', ')}` : null,
    filter.types ? `types ${filter.types.join(', ')}` : null,
    filter.streamIds ? `streams ${filter.streamIds.join(', ')}` : null,
  ].filter((part): part is string => part !== null);
  return parts.length > 0 ? parts.join('; ') : 'all events';
}

/** Who receives the events: the gateways' webhook relay, or `consume` subscriptions. */
export function describeDelivery(webhook: ConsumerSummary['webhook']): string {
  return webhook ? `webhook ${webhook.url} (${webhook.batchSize} per request)` : 'consume subscription';
}
