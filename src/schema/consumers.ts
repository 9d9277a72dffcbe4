/**
 * Durable consumers, read side: the Consumer type (its filter, checkpoint, lag, webhook without
 * its secret, parked events) and Query.consumer / Query.consumers. The rules are the consumers
 * part's header (../shared/api/parts/consumers.graphql); the records live in the store
 * (src/store/consumers/).
 */
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import type { ConsumerState, ParkedEventRecord } from '../store/consumers/types.js';
import { isConsumerName } from '../store/index.js';
import type { RecordedEvent } from '../store/types.js';
import { requireUnrestricted } from './consumer-input.js';
import { EventType } from './events.js';
import { checkPageSize, toConnection } from './pagination.js';

const ConsumerFilterType = builder
  .objectRef<NonNullable<ConsumerState['filter']>>('ConsumerFilter')
  .implement({
    description: "The consumer's event filter; fields that were not given are null.",
    fields: (t) => ({
      categories: t.stringList({ nullable: true, resolve: (filter) => listOrNull(filter.categories) }),
      types: t.stringList({ nullable: true, resolve: (filter) => listOrNull(filter.types) }),
      streamIds: t.field({
        type: ['UUID'],
        nullable: true,
        resolve: (filter) => listOrNull(filter.streamIds),
      }),
    }),
  });

function listOrNull(values: readonly string[] | null | undefined): string[] | null {
  return values ? [...values] : null;
}

const WebhookType = builder.objectRef<NonNullable<ConsumerState['webhook']>>('Webhook').implement({
  description: "Where the gateways POST the consumer's events. The secret is never returned.",
  fields: (t) => ({
    url: t.exposeString('url'),
    batchSize: t.exposeInt('batchSize', { description: 'Events per request.' }),
  }),
});

interface ParkedEventShape {
  record: ParkedEventRecord;
  event: RecordedEvent;
}

const ParkedEventType = builder.objectRef<ParkedEventShape>('ParkedEvent').implement({
  description:
    'An event the consumer gave up on (a dead letter), kept until replayed or the consumer is deleted.',
  fields: (t) => ({
    event: t.field({ type: EventType, resolve: (parked) => parked.event }),
    attempts: t.int({
      description:
        'Failed attempts before it was parked (0 when parked by a nack with PARK on its first delivery).',
      resolve: (parked) => parked.record.attempts,
    }),
    reason: t.string({ nullable: true, resolve: (parked) => parked.record.reason }),
    parkedAt: t.field({ type: 'DateTime', resolve: (parked) => parked.record.parkedAt }),
  }),
});

const ParkedEventConnection = builder.connectionObject(
  { type: ParkedEventType, name: 'ParkedEventConnection' },
  { name: 'ParkedEventEdge' },
);

/** One log read per parked event of the page; an event whose stream was deleted is left out. */
async function parkedEvents(
  context: GraphQLContext,
  records: readonly ParkedEventRecord[],
): Promise<(ParkedEventShape | null)[]> {
  return Promise.all(
    records.map(async (record) => {
      const page = await context.store.readLog({ after: record.position - 1, first: 1 });
      const event = page.edges[0]?.node;
      return event && event.position === record.position ? { record, event } : null;
    }),
  );
}

/** The tenant's head, read once per request however many consumers the request shows. */
const heads = new WeakMap<object, Promise<number>>();
function headOf(context: GraphQLContext): Promise<number> {
  let head = heads.get(context);
  if (!head) {
    head = context.store.headPosition();
    heads.set(context, head);
  }
  return head;
}

export const ConsumerType = builder.objectRef<ConsumerState>('Consumer').implement({
  description:
    "A named, server-side cursor over the tenant's log, kept in DynamoDB: it delivers each selected event at least once until it is acknowledged or parked.",
  fields: (t) => ({
    name: t.exposeString('name'),
    filter: t.field({ type: ConsumerFilterType, nullable: true, resolve: (consumer) => consumer.filter }),
    checkpoint: t.expose('checkpoint', {
      type: 'Position',
      description: 'Every selected event at or before this position is acknowledged or parked.',
    }),
    lag: t.int({
      description: "The tenant's head minus the checkpoint.",
      resolve: async (consumer, _args, context) => Math.max(0, (await headOf(context)) - consumer.checkpoint),
    }),
    maxAttempts: t.exposeInt('maxAttempts'),
    ackTimeoutMs: t.exposeInt('ackTimeoutMs'),
    webhook: t.field({ type: WebhookType, nullable: true, resolve: (consumer) => consumer.webhook }),
    parked: t.field({
      type: ParkedEventConnection,
      description: 'Parked events (dead letters), in position order.',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: async (consumer, args, context) => {
        checkPageSize(args, context.limits);
        const page = await context.consumers.listParked(consumer.name, {
          first: args.first ?? context.limits.defaultPageSize,
          after: args.after ?? null,
        });
        const shapes = await parkedEvents(
          context,
          page.edges.map((edge) => edge.node),
        );
        const edges = page.edges.flatMap((edge, index) => {
          const node = shapes[index];
          return node ? [{ cursor: edge.cursor, node }] : [];
        });
        return toConnection({ ...page, edges });
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ConsumerConnection = builder.connectionObject(
  { type: ConsumerType, name: 'ConsumerConnection' },
  { name: 'ConsumerEdge' },
);

builder.queryFields((t) => ({
  consumer: t.field({
    type: ConsumerType,
    nullable: true,
    description: 'The consumer of this name, or null.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => {
      requireUnrestricted(context);
      return isConsumerName(args.name) ? context.consumers.get(args.name) : null;
    },
  }),
  consumers: t.field({
    type: ConsumerConnection,
    description: "The tenant's consumers by name.",
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: async (_root, args, context) => {
      requireUnrestricted(context);
      checkPageSize(args, context.limits);
      const page = await context.consumers.list({
        first: args.first ?? context.limits.defaultPageSize,
        after: args.after ?? null,
      });
      return toConnection(page);
    },
  }),
}));
