/**
 * Categories: Query.categories lists the ones that hold streams (as the caller may see them),
 * each with its streams. Streams without category belong to none: `streams(category: null)`.
 */
import { builder } from '../builder.js';
import { categoryPageLimits } from '../store/categories.js';
import { toConnection } from './pagination.js';
import { StreamConnection, streamsPage } from './streams.js';

const CategoryType = builder.objectRef<string>('Category').implement({
  description: 'A category: the streams given it when they were created.',
  fields: (t) => ({
    name: t.string({ resolve: (name) => name }),
    streams: t.field({
      type: StreamConnection,
      description: "The category's streams, by id; the same as Query.streams(category: name).",
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (category, args, context) => streamsPage(context, { ...args, category }),
    }),
  }),
});

const CategoryConnection = builder.connectionObject(
  { type: CategoryType, name: 'CategoryConnection' },
  { name: 'CategoryEdge' },
);

builder.queryField('categories', (t) =>
  t.field({
    type: CategoryConnection,
    description: `The tenant's categories that hold streams, in order, each once; for a restricted caller, those where it may see a stream. Page size: at most ${categoryPageLimits.maxSize}; ${categoryPageLimits.defaultSize} when omitted (each category costs the gateway one DynamoDB Query).`,
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: async (_root, args, context) => toConnection(await context.store.listCategories(args)),
  }),
);
