/**
 * Durable consumers, administration: createConsumer, deleteConsumer, resetConsumer and
 * replayParked (the `manage` scope). Every refusal is a typed result and changes nothing; the
 * consumers part's header (../shared/api/parts/consumers.graphql) has the rules.
 */
import { typeBrandKey } from '@pothos/core';
import { builder } from '../builder.js';
import type { ConsumerState } from '../store/consumers/types.js';
import { ConsumerExistsError, ConsumerNotFoundError, InvalidInputError } from '../store/errors.js';
import { isConsumerName } from '../store/index.js';
import { checkAfter, checkConsumerName, createRequestOf, requireUnrestricted } from './consumer-input.js';
import { ConsumerType } from './consumers.js';
import { ErrorInterface } from './errors.js';
import { EventFilterInput } from './log.js';

builder.objectType(ConsumerExistsError, {
  name: 'ConsumerExistsError',
  description: 'A consumer of this name exists already (whatever its settings); nothing was changed.',
  interfaces: [ErrorInterface],
});

builder.objectType(ConsumerNotFoundError, {
  name: 'ConsumerNotFoundError',
  interfaces: [ErrorInterface],
});

const WebhookInput = builder.inputType('WebhookInput', {
  fields: (t) => ({
    url: t.string({ required: true }),
    secret: t.string({ required: true }),
    batchSize: t.int({ defaultValue: 1, description: 'Events per request, 1 to 100.' }),
  }),
});

const CreateConsumerInput = builder.inputType('CreateConsumerInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    filter: t.field({ type: EventFilterInput }),
    after: t.field({
      type: 'Position',
      description:
        'Deliver the selected events after this position (exclusive). Default: the head at creation.',
    }),
    maxAttempts: t.int({
      defaultValue: 5,
      description: 'Failed attempts before an event is parked, 1 to 100.',
    }),
    ackTimeoutMs: t.int({
      defaultValue: 30_000,
      description: 'Redelivery when an event is not acknowledged in time, 1000 to 3600000 ms.',
    }),
    webhook: t.field({ type: WebhookInput }),
  }),
});

const ReplayParkedInput = builder.inputType('ReplayParkedInput', {
  fields: (t) => ({
    consumer: t.string({ required: true }),
    positions: t.field({ type: ['Position'], description: 'Default: every parked event.' }),
  }),
});

const ResetConsumerInput = builder.inputType('ResetConsumerInput', {
  fields: (t) => ({
    consumer: t.string({ required: true }),
    after: t.field({ type: 'Position', required: true }),
  }),
});

export const ConsumerSuccess = builder.objectRef<{ consumer: ConsumerState }>('ConsumerSuccess').implement({
  fields: (t) => ({ consumer: t.field({ type: ConsumerType, resolve: (result) => result.consumer }) }),
});

const DeleteConsumerSuccess = builder.objectRef<{ name: string }>('DeleteConsumerSuccess').implement({
  fields: (t) => ({ name: t.exposeString('name') }),
});

/**
 * One union for the four mutations that answer with the consumer (resetConsumer, replayParked,
 * ackEvents, nackEvents): the errors plugin would make one union per field. With its error
 * types named in `pothosErrorTypes`, the plugin still turns those errors, thrown by a resolver,
 * into members of the union.
 */
export const ConsumerResult = builder.unionType('ConsumerResult', {
  types: [ConsumerSuccess, ConsumerNotFoundError, InvalidInputError],
  extensions: { pothosErrorTypes: [ConsumerNotFoundError, InvalidInputError] },
  // The plugin hands thrown errors over as proxies branded with their error type.
  resolveType: (value) => {
    const brand = (value as { [typeBrandKey]?: unknown })[typeBrandKey];
    if (brand === ConsumerNotFoundError) return 'ConsumerNotFoundError';
    if (brand === InvalidInputError) return 'InvalidInputError';
    return 'ConsumerSuccess';
  },
});

const notFound = (name: string) => new ConsumerNotFoundError(`There is no consumer named "${name}".`);

/** The consumer, or ConsumerNotFoundError. */
export function found(consumer: ConsumerState | null, name: string): { consumer: ConsumerState } {
  if (!consumer) throw notFound(name);
  return { consumer };
}

builder.mutationFields((t) => ({
  createConsumer: t.field({
    type: ConsumerSuccess,
    args: { input: t.arg({ type: CreateConsumerInput, required: true }) },
    errors: {
      types: [ConsumerExistsError, InvalidInputError],
      directResult: true,
      union: { name: 'CreateConsumerResult' },
    },
    resolve: async (_root, { input }, context) => {
      requireUnrestricted(context);
      const request = await createRequestOf(input, await context.store.headPosition(), (url) =>
        context.consumerServices.checkWebhookUrl(url),
      );
      return { consumer: await context.consumers.create(request) };
    },
  }),
  deleteConsumer: t.field({
    type: DeleteConsumerSuccess,
    args: { name: t.arg.string({ required: true }) },
    errors: {
      types: [ConsumerNotFoundError],
      directResult: true,
      union: { name: 'DeleteConsumerResult' },
    },
    resolve: async (_root, { name }, context) => {
      requireUnrestricted(context);
      // A malformed name cannot name a consumer: not found (the result has no InvalidInputError).
      if (!isConsumerName(name) || !(await context.consumers.delete(name))) throw notFound(name);
      return { name };
    },
  }),
  resetConsumer: t.field({
    type: ConsumerResult,
    args: { input: t.arg({ type: ResetConsumerInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      requireUnrestricted(context);
      checkConsumerName(input.consumer, ['consumer']);
      checkAfter(input.after, await context.store.headPosition(), ['after']);
      const result = found(await context.consumers.reset(input.consumer, input.after), input.consumer);
      return result;
    },
  }),
  replayParked: t.field({
    type: ConsumerResult,
    args: { input: t.arg({ type: ReplayParkedInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      requireUnrestricted(context);
      checkConsumerName(input.consumer, ['consumer']);
      const consumer = await context.consumers.replayParked(input.consumer, input.positions ?? null);
      const result = found(consumer, input.consumer);
      return result;
    },
  }),
}));
