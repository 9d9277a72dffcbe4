/**
 * Snapshots: the Snapshot type, a stream's latest snapshot, and saveSnapshot.
 */
import { builder } from '../builder.js';
import { InvalidInputError, StreamNotFoundError } from '../store/errors.js';
import type { Snapshot } from '../store/types.js';
import { StreamRefInput, StreamType } from './streams.js';

export const SnapshotType = builder.objectRef<Snapshot>('Snapshot').implement({
  description: "A stream's state at a version, saved by a client to shorten later reads.",
  fields: (t) => ({
    stream: t.field({ type: StreamType, resolve: (snapshot) => ({ ...snapshot.stream }) }),
    version: t.exposeInt('version', { description: 'The stream version the snapshot reflects.' }),
    type: t.exposeString('type'),
    data: t.expose('data', { type: 'JSON' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.objectField(StreamType, 'snapshot', (t) =>
  t.field({
    type: SnapshotType,
    nullable: true,
    description: 'The latest snapshot, if any.',
    resolve: (stream, _args, context) =>
      context.store.latestSnapshot({ id: stream.id, category: stream.category }),
  }),
);

const SaveSnapshotInput = builder.inputType('SaveSnapshotInput', {
  fields: (t) => ({
    stream: t.field({ type: StreamRefInput, required: true }),
    version: t.int({
      required: true,
      description: "The stream version the snapshot reflects: from 1 to the stream's current version.",
    }),
    type: t.string({ required: true }),
    data: t.field({ type: 'JSON', required: true }),
  }),
});

const SaveSnapshotSuccess = builder.objectRef<{ snapshot: Snapshot }>('SaveSnapshotSuccess').implement({
  fields: (t) => ({
    snapshot: t.field({ type: SnapshotType, resolve: (result) => result.snapshot }),
  }),
});

builder.mutationField('saveSnapshot', (t) =>
  t.field({
    type: SaveSnapshotSuccess,
    args: { input: t.arg({ type: SaveSnapshotInput, required: true }) },
    errors: {
      types: [StreamNotFoundError, InvalidInputError],
      directResult: true,
      union: { name: 'SaveSnapshotResult' },
    },
    resolve: async (_root, { input }, context) => ({
      snapshot: await context.store.saveSnapshot({ ...input, data: input.data ?? null }),
    }),
  }),
);
