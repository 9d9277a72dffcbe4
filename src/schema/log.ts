/**
 * The tenant's log: all events in position order, filtered, and its head position.
 */

import { builder } from '../builder.js';
import { defaultApiLimits } from '../plugins/api-limits.js';
import { EventConnection } from './events.js';
import { checkPageSize, pageSizeDescription, toConnection } from './pagination.js';

export const EventFilterInput = builder.inputType('EventFilter', {
  description: 'The given fields combine with AND, the values of one field with OR.',
  fields: (t) => ({
    categories: t.stringList({ description: 'Only events of streams in these categories.' }),
    types: t.stringList({ description: 'Only events of these types.' }),
    streamIds: t.field({ type: ['UUID'], description: 'Only events of these streams (any category).' }),
  }),
});

builder.queryFields((t) => ({
  events: t.field({
    type: EventConnection,
    description: `The tenant's log in position order, after the exclusive position \`after\` (default 0). Continue with \`after:\` the last position received. Page size: ${pageSizeDescription(defaultApiLimits)}.`,
    args: {
      after: t.arg({ type: 'Position' }),
      filter: t.arg({ type: EventFilterInput }),
      first: t.arg.int(),
    },
    resolve: async (_root, args, context) => {
      checkPageSize(args, context.limits);
      // A client that went away stops the read at the next page (its answer is not sent).
      const page = await context.store.readLog({
        after: args.after,
        filter: args.filter,
        first: args.first,
        signal: context.request?.signal,
      });
      return toConnection(page);
    },
  }),
  head: t.field({
    type: 'Position',
    description: "The position of the tenant's last event; 0 when it has none.",
    resolve: (_root, _args, context) => context.store.headPosition(),
  }),
}));
