/**
 * Streams: the Stream type (loaded in batches per request), StreamRef, the stream queries
 * and deleteStream.
 */
import { createGraphQLError } from 'graphql-yoga';
import { defaultApiLimits } from '../api-limits.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { InvalidInputError, WrongExpectedVersionError } from '../store/errors.js';
import type { DeleteStreamResult, StreamInfo, StreamKey } from '../store/types.js';
import { checkPageSize, pageSizeDescription, toConnection } from './pagination.js';

/** A stream's dataloader key: (id, category) as one string, since dataloader keys compare by value. */
export function streamLoaderKey(key: StreamKey): string {
  return JSON.stringify([key.id, key.category]);
}

function parseStreamLoaderKey(key: string): StreamKey {
  const [id, category] = JSON.parse(key) as [string, string | null];
  return { id, category };
}

async function loadStreams(
  keys: readonly string[],
  context: GraphQLContext,
): Promise<(StreamInfo | Error)[]> {
  const streams = await context.store.getStreams(keys.map(parseStreamLoaderKey));
  return streams.map(
    (stream) =>
      stream ??
      // Only possible when the stream was deleted between reading an event and its stream.
      createGraphQLError('The stream no longer exists: it was deleted.', {
        extensions: { code: 'STREAM_NOT_FOUND' },
      }),
  );
}

/**
 * Fields of type Stream may resolve to a StreamInfo or to its loader key: keys met in one tick
 * are fetched with one getStreams call, and streams already at hand are cached for the request.
 */
export const StreamType = builder.loadableObjectRef('Stream', {
  load: loadStreams,
  toKey: (stream: StreamInfo) => streamLoaderKey(stream),
  cacheResolved: true,
});

StreamType.implement({
  description: 'A stream of events, identified within a tenant by (id, category).',
  fields: (t) => ({
    id: t.expose('id', { type: 'UUID' }),
    name: t.exposeString('name', { nullable: true }),
    category: t.exposeString('category', { nullable: true }),
    versioned: t.exposeBoolean('versioned', {
      description: 'True if its first append gave expectedVersion: appends must then always give it.',
    }),
    version: t.exposeInt('version', { description: 'Version of the last event; 0 for none.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const StreamRefInput = builder.inputType('StreamRef', {
  description:
    'Names a stream by id or name (or both, then they must agree; a name stands for the id UUIDv5(3a24a3ee-d33d-4266-93ab-7d8e256a6d44, name)). Without category: the stream whose category is null.',
  fields: (t) => ({
    id: t.field({ type: 'UUID' }),
    name: t.string(),
    category: t.string(),
  }),
});

const StreamConnection = builder.connectionObject(
  { type: StreamType, name: 'StreamConnection' },
  { name: 'StreamEdge' },
);

builder.queryFields((t) => ({
  stream: t.field({
    type: StreamType,
    nullable: true,
    description: 'The stream, or null if it does not exist.',
    args: { ref: t.arg({ type: StreamRefInput, required: true }) },
    resolve: (_root, { ref }, context) => context.store.getStream(ref),
  }),
  streams: t.field({
    type: StreamConnection,
    description: `The tenant's streams: those of \`category\` when given (null: those without category), all when omitted. Page size: ${pageSizeDescription(defaultApiLimits)}.`,
    args: {
      category: t.arg.string(),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      checkPageSize(args, context.limits);
      // An omitted category lists all streams; an explicit null, those without category.
      const page = await context.store.listStreams({
        ...('category' in args ? { category: args.category ?? null } : {}),
        first: args.first,
        after: args.after,
      });
      return toConnection(page);
    },
  }),
}));

const DeleteStreamInput = builder.inputType('DeleteStreamInput', {
  fields: (t) => ({
    stream: t.field({ type: StreamRefInput, required: true }),
    expectedVersion: t.int({
      description: 'When given, the stream must be at this version (0: must not exist).',
    }),
  }),
});

const DeleteStreamSuccess = builder.objectRef<DeleteStreamResult>('DeleteStreamSuccess').implement({
  fields: (t) => ({
    streamId: t.expose('streamId', { type: 'UUID' }),
    deletedEvents: t.exposeInt('deletedEvents', {
      description:
        'How many events the stream held; 0 when it did not exist. Two deletions of one stream at the same time may both count them.',
    }),
  }),
});

builder.mutationField('deleteStream', (t) =>
  t.field({
    type: DeleteStreamSuccess,
    description:
      "Removes the stream's events, snapshots and metadata; a later append may create it again from version 1. Deleting a missing stream succeeds.",
    args: { input: t.arg({ type: DeleteStreamInput, required: true }) },
    errors: {
      types: [WrongExpectedVersionError, InvalidInputError],
      directResult: true,
      union: { name: 'DeleteStreamResult' },
    },
    resolve: (_root, { input }, context) => context.store.deleteStream(input.stream, input.expectedVersion),
  }),
);
