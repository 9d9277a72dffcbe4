/**
 * Query.viewer: what the caller may do, as its API key or token describes it, so that a
 * frontend can adapt before trying. It needs no scope (src/plugins/field-scopes.ts).
 */
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';

type ViewerShape = GraphQLContext['principal'];

const ViewerType = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'The caller, as its API key or token describes it.',
  fields: (t) => ({
    tenant: t.exposeString('tenant'),
    scopes: t.stringList({
      description:
        'Granted scopes, sorted: any of read, subscribe, append, snapshot, delete, consume, manage.',
      resolve: (viewer) => [...viewer.scopes].sort(),
    }),
    categories: t.stringList({
      nullable: true,
      description: 'Null: no restriction by category.',
      resolve: (viewer) => (viewer.categories === null ? null : [...viewer.categories]),
    }),
    streamIds: t.field({
      type: ['UUID'],
      nullable: true,
      description: 'Null: no restriction by stream id.',
      resolve: (viewer) => (viewer.streamIds === null ? null : [...viewer.streamIds]),
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the token expires; null for an API key or without authentication.',
      resolve: (viewer) => viewer.expiresAt,
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerType,
    description: 'Who is calling and what it may do: tenant, scopes, restrictions, expiry.',
    resolve: (_root, _args, context) => context.principal,
  }),
);
