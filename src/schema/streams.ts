/**
 * Streams: the Stream type (loaded in batches per request), StreamRef, the stream queries
 * and deleteStream.
 */
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { createGraphQLError } from 'graphql-yoga';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { ApiErrorCode } from '../errors/codes.js';
import { defaultApiLimits } from '../plugins/api-limits.js';
import { InvalidInputError, WrongExpectedVersionError } from '../store/errors.js';
import type {
  DeleteStreamResult,
  ListStreamsOptions,
  RecordedEvent,
  StreamInfo,
  StreamKey,
} from '../store/types.js';
import { deliveredStreamOf } from '../subscriptions/index.js';
import { checkPageSize, pageSizeDescription, toConnection } from './pagination.js';

/**
 * What a Stream field resolves from: the stream's metadata when it is at hand (`stream`,
 * listings, appends), or its identity, which events and snapshots carry, with the head fields
 * read only when selected. Identity fields (id, category, and the name when the event carries
 * it) never cost a read.
 */
export type StreamSource = StreamInfo | StreamStub;

export interface StreamStub extends StreamKey {
  /** The name when known; undefined: read it with the head. */
  readonly name?: string | null;
  /** The head as a subscription's page read it (`deliveredStreamOf`); else the request's loader. */
  readonly head?: () => Promise<StreamInfo | null>;
}

function isStreamInfo(source: StreamSource): source is StreamInfo {
  return 'version' in source;
}

/** A stream's dataloader key: (id, category) as one string, since dataloader keys compare by value. */
function streamLoaderKey(key: StreamKey): string {
  return JSON.stringify([key.id, key.category]);
}

function parseStreamLoaderKey(key: string): StreamKey {
  const [id, category] = JSON.parse(key) as [string, string | null];
  return { id, category };
}

/** Per request: the heads met in one tick are read with one getStreams call, and kept for the request. */
const streamLoader = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<string, StreamInfo | null>((keys) =>
      context.store.getStreams(keys.map(parseStreamLoaderKey)),
    ),
);

/** Keeps a stream this request already has, so that its events' `stream` fields need no read. */
export function streamAtHand<T extends StreamInfo | null>(info: T, context: GraphQLContext): T {
  if (info !== null) streamLoader(context).prime(streamLoaderKey(info), info);
  return info;
}

async function headOf(source: StreamSource, context: GraphQLContext): Promise<StreamInfo> {
  if (isStreamInfo(source)) return source;
  const head = await (source.head?.() ?? streamLoader(context).load(streamLoaderKey(source)));
  // Only possible when the stream was deleted between reading an event and its stream.
  if (head === null) {
    throw createGraphQLError('The stream no longer exists: it was deleted.', {
      extensions: { code: ApiErrorCode.streamNotFound },
    });
  }
  return head;
}

/** A resolver for a field only the head holds. */
function headField<K extends 'versioned' | 'version' | 'createdAt' | 'updatedAt'>(key: K) {
  return async (source: StreamSource, _args: unknown, context: GraphQLContext): Promise<StreamInfo[K]> =>
    (await headOf(source, context))[key];
}

/** The Stream of an event, delivered or read: identity from the event, head read when selected. */
export function streamOfEvent(event: RecordedEvent): StreamStub {
  const delivered = deliveredStreamOf(event);
  return {
    ...event.stream,
    name: event.streamName,
    ...(delivered ? { head: () => delivered } : {}),
  };
}

export const StreamType = builder.objectRef<StreamSource>('Stream');

StreamType.implement({
  description: 'A stream of events, identified within a tenant by (id, category).',
  fields: (t) => ({
    id: t.expose('id', { type: 'UUID' }),
    name: t.string({
      nullable: true,
      resolve: async (source, _args, context) =>
        source.name !== undefined ? source.name : (await headOf(source, context)).name,
    }),
    category: t.exposeString('category', { nullable: true }),
    versioned: t.boolean({
      description: 'True if its first append gave expectedVersion: appends must then always give it.',
      resolve: headField('versioned'),
    }),
    version: t.int({
      description: 'Version of the last event; 0 for none.',
      resolve: headField('version'),
    }),
    createdAt: t.field({
      type: 'DateTime',
      resolve: headField('createdAt'),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      resolve: headField('updatedAt'),
    }),
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

/** A page of streams as a connection, each stream at hand for the rest of the request. */
export async function streamsPage(context: GraphQLContext, options: ListStreamsOptions) {
  checkPageSize(options, context.limits);
  const page = await context.store.listStreams(options);
  for (const edge of page.edges) streamAtHand(edge.node, context);
  return toConnection(page);
}

export const StreamConnection = builder.connectionObject(
  { type: StreamType, name: 'StreamConnection' },
  { name: 'StreamEdge' },
);

builder.queryFields((t) => ({
  stream: t.field({
    type: StreamType,
    nullable: true,
    description: 'The stream, or null if it does not exist.',
    args: { ref: t.arg({ type: StreamRefInput, required: true }) },
    resolve: async (_root, { ref }, context) =>
      streamAtHand(await underArgument('ref', () => context.store.getStream(ref)), context),
  }),
  streams: t.field({
    type: StreamConnection,
    description: `The tenant's streams: those of \`category\` when given (null: those without category), all when omitted. Page size: ${pageSizeDescription(defaultApiLimits)}.`,
    args: {
      category: t.arg.string(),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    // An omitted category lists all streams; an explicit null, those without category.
    resolve: (_root, args, context) =>
      streamsPage(context, { ...args, ...('category' in args ? { category: args.category ?? null } : {}) }),
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

/**
 * The store names a bad stream reference `stream` (as appends call it); where the argument
 * has another name, the error's `inputPath` says that name, so a client finds the field.
 */
async function underArgument<T>(argument: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof InvalidInputError) || error.path[0] !== 'stream') throw error;
    throw new InvalidInputError(error.message, [argument, ...error.path.slice(1)]);
  }
}
