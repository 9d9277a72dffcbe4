/**
 * Durable consumers, delivery: Subscription.consume and the ackEvents / nackEvents mutations
 * (the `consume` scope). A consume subscription is a ConsumeSession (src/consumers/): it waits
 * for the consumer's lease, delivers, and releases the lease the moment it ends. Acks reach the
 * session through this gateway's ConsumerSessions (graphql-ws keeps a client on one gateway);
 * an ack that reaches another gateway is ignored there and the event comes again after
 * ackTimeoutMs: still at least once.
 */
import { createGraphQLError } from 'graphql-yoga';
import { builder } from '../builder.js';
import { type ConsumerDelivery, ConsumeSession } from '../consumers/index.js';
import type { GraphQLContext } from '../context.js';
import { ApiErrorCode } from '../errors/codes.js';
import { ConsumerNotFoundError, InvalidInputError } from '../store/errors.js';
import { holdingSlot, SubscriptionLimitError } from '../subscriptions/index.js';
import { checkConsumerName, requireUnrestricted } from './consumer-input.js';
import { ConsumerResult, found } from './consumer-mutations.js';
import { EventType } from './events.js';

const ConsumerMessageType = builder.objectRef<ConsumerDelivery>('ConsumerMessage').implement({
  description: 'An event delivered by a consumer; acknowledge it with ackEvents.',
  fields: (t) => ({
    event: t.field({ type: EventType, resolve: (message) => message.event }),
    attempt: t.exposeInt('attempt', { description: '1 on the first delivery, then +1 on each redelivery.' }),
  }),
});

const AckEventsInput = builder.inputType('AckEventsInput', {
  fields: (t) => ({
    consumer: t.string({ required: true }),
    positions: t.field({ type: ['Position'], required: true }),
  }),
});

const NackAction = builder.enumType('NackAction', { values: ['RETRY', 'PARK'] as const });

const NackEventsInput = builder.inputType('NackEventsInput', {
  fields: (t) => ({
    consumer: t.string({ required: true }),
    positions: t.field({ type: ['Position'], required: true }),
    action: t.field({ type: NackAction, defaultValue: 'RETRY' }),
    reason: t.string(),
  }),
});

/** A nack's reason is stored with a parked event: bounded. */
const maxReasonLength = 1000;

async function startConsume(context: GraphQLContext, name: string, maxInFlight: number) {
  requireUnrestricted(context);
  checkConsumerName(name, ['consumer']);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 1000) {
    throw new InvalidInputError(`"maxInFlight" must be from 1 to 1000; got ${maxInFlight}.`, ['maxInFlight']);
  }
  const consumer = await context.consumers.get(name);
  if (!consumer) throw new ConsumerNotFoundError(`There is no consumer named "${name}".`);
  if (consumer.webhook) {
    throw new InvalidInputError(
      'This consumer has a webhook: the gateways deliver it; it cannot be consumed.',
      ['consumer'],
    );
  }
  const cap = context.limits.maxSubscriptionsPerTenant;
  let release: () => void;
  try {
    release = context.subscriptions.slots.take(context.tenant, cap);
  } catch (error) {
    if (!(error instanceof SubscriptionLimitError)) throw error;
    throw createGraphQLError(error.message, {
      extensions: { code: ApiErrorCode.subscriptionLimit, limit: cap },
    });
  }
  const session = new ConsumeSession({
    consumers: context.consumers,
    events: context.store,
    hub: context.subscriptions,
    sessions: context.consumerServices.sessions,
    name,
    maxInFlight,
    incarnation: consumer.incarnation,
    onError: (error, where) => context.consumerServices.hooks.sessionError(error, where),
    onParked: (count) => context.consumerServices.hooks.parked(context.tenant, name, count),
  });
  // The slot is given back once the session has ended and released the consumer's lease.
  return holdingSlot(session, release, context.request?.signal, { releaseAfterReturn: true });
}

builder.subscriptionField('consume', (t) =>
  t.field({
    type: ConsumerMessageType,
    description:
      "A consumer's events (one without a webhook), at least once; see the consumers part's header.",
    args: {
      consumer: t.arg.string({ required: true }),
      maxInFlight: t.arg.int({ defaultValue: 100 }),
    },
    subscribe: (_root, args, context) => startConsume(context, args.consumer, args.maxInFlight ?? 100),
    resolve: (message: ConsumerDelivery) => message,
  }),
);

/**
 * Routes the (n)ack to this gateway's session when it holds the consumer, and answers with the
 * consumer as that holder knows it: no store read stands between an ack and the next delivery.
 * Elsewhere the ack is ignored (see the module comment) and the consumer is read from the store.
 */
async function acknowledged(
  context: GraphQLContext,
  input: { consumer: string; positions: readonly number[] },
  route: () => void,
) {
  requireUnrestricted(context);
  checkConsumerName(input.consumer, ['consumer']);
  route();
  const held = context.consumerServices.sessions.current(context.tenant, input.consumer);
  return found(held ?? (await context.consumers.get(input.consumer)), input.consumer);
}

builder.mutationFields((t) => ({
  ackEvents: t.field({
    type: ConsumerResult,
    args: { input: t.arg({ type: AckEventsInput, required: true }) },
    resolve: (_root, { input }, context) =>
      acknowledged(context, input, () =>
        context.consumerServices.sessions.ack(context.tenant, input.consumer, input.positions),
      ),
  }),
  nackEvents: t.field({
    type: ConsumerResult,
    args: { input: t.arg({ type: NackEventsInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const reason = input.reason ?? null;
      if (reason !== null && reason.length > maxReasonLength) {
        throw new InvalidInputError(`"reason" is at most ${maxReasonLength} characters.`, ['reason']);
      }
      return acknowledged(context, input, () =>
        context.consumerServices.sessions.nack(
          context.tenant,
          input.consumer,
          input.positions,
          input.action ?? 'RETRY',
          reason,
        ),
      );
    },
  }),
}));
