/**
 * Subscriptions: `events`, `eventBatches` and `streamEvents`, served by the app's
 * SubscriptionHub (src/subscriptions/) through the context. Transports (graphql-ws, yoga's
 * SSE) only carry what these resolvers return.
 *
 * The hub validates the arguments and throws the store's InvalidInputError, which the server's
 * maskError turns into a BAD_USER_INPUT error with `extensions.inputPath`.
 */
import { createGraphQLError } from 'graphql-yoga';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { ApiErrorCode } from '../errors/codes.js';
import type { RecordedEvent } from '../store/types.js';
import {
  batchLimits,
  type EventBatch,
  type EventSubscription,
  SubscriptionHubClosedError,
  SubscriptionLimitError,
} from '../subscriptions/index.js';
import { EventType } from './events.js';
import { EventFilterInput } from './log.js';
import { StreamRefInput } from './streams.js';

const EventBatchType = builder.objectRef<EventBatch>('EventBatch').implement({
  description: 'Events delivered together by Subscription.eventBatches.',
  fields: (t) => ({
    events: t.field({ type: [EventType], resolve: (batch) => batch.events }),
    checkpoint: t.expose('checkpoint', {
      type: 'Position',
      description:
        "The last log position this batch covers (at least the last event's position). It advances past events the filter skipped: resume with `after: checkpoint`.",
    }),
    caughtUp: t.exposeBoolean('caughtUp', {
      description:
        "True when this batch brings the subscriber up to the tenant's head as last read: delivery is live.",
    }),
  }),
});

/**
 * The hub's subscription, or a GraphQL error a client can act on. A subscription keeps one
 * context for its lifetime; the streams of delivered events are read per page by the hub
 * (`Event.stream`), not through that context's loader.
 *
 * A cap per tenant and gateway, so that one tenant cannot hold all of a gateway's memory: the
 * subscription takes one of its tenant's slots as it is accepted, before its setup reads
 * anything, and the check and the take are one step, so a burst cannot pass the cap together.
 * The slot comes back when the setup fails, when the subscription ends, or when the HTTP
 * client goes away (SSE; graphql-ws returns what its closed connections started).
 */
async function open<T>(
  context: GraphQLContext,
  start: () => Promise<EventSubscription<T>>,
): Promise<EventSubscription<T>> {
  const cap = context.limits.maxSubscriptionsPerTenant;
  try {
    return await context.subscriptions.slots.open(context.tenant, cap, start, context.request?.signal);
  } catch (error) {
    if (error instanceof SubscriptionLimitError) {
      throw createGraphQLError(error.message, {
        extensions: { code: ApiErrorCode.subscriptionLimit, limit: cap },
      });
    }
    if (error instanceof SubscriptionHubClosedError) {
      throw createGraphQLError(error.message, {
        extensions: { code: ApiErrorCode.shuttingDown, retryable: true },
      });
    }
    // InvalidInputError and store errors: masked and coded by the server's maskError.
    throw error;
  }
}

const afterDescription =
  'Exclusive log position to start after (e.g. the last position received, to resume); omitted: the head of the log when subscribing.';

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  events: t.field({
    type: EventType,
    description: `New events of the tenant's log after \`after\`, one at a time, in position order, each once.`,
    args: {
      after: t.arg({ type: 'Position', description: afterDescription }),
      filter: t.arg({ type: EventFilterInput }),
    },
    subscribe: (_root, args, context) =>
      open(context, () =>
        context.subscriptions.events(context.store, { after: args.after, filter: args.filter }),
      ),
    resolve: (event: RecordedEvent) => event,
  }),
  eventBatches: t.field({
    type: EventBatchType,
    description: `The same, in batches: a batch is sent when it holds maxSize events (1 to ${batchLimits.maxSize}), or maxWaitMs (0 to ${batchLimits.maxWaitMs}) after its first event arrived, whichever comes first.`,
    args: {
      after: t.arg({ type: 'Position', description: afterDescription }),
      filter: t.arg({ type: EventFilterInput }),
      maxSize: t.arg.int({ defaultValue: 100 }),
      maxWaitMs: t.arg.int({ defaultValue: 100 }),
    },
    subscribe: (_root, args, context) =>
      open(context, () =>
        context.subscriptions.eventBatches(context.store, {
          after: args.after,
          filter: args.filter,
          maxSize: args.maxSize,
          maxWaitMs: args.maxWaitMs,
        }),
      ),
    resolve: (batch: EventBatch) => batch,
  }),
  streamEvents: t.field({
    type: EventType,
    description:
      'Events of one stream after version `afterVersion` (exclusive; default: its current version). A stream deleted and created again continues with its new events.',
    args: {
      stream: t.arg({ type: StreamRefInput, required: true }),
      afterVersion: t.arg.int(),
    },
    subscribe: (_root, args, context) =>
      open(context, () =>
        context.subscriptions.streamEvents(context.store, {
          stream: args.stream,
          afterVersion: args.afterVersion,
        }),
      ),
    resolve: (event: RecordedEvent) => event,
  }),
}));
