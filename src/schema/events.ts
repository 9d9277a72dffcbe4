/**
 * Events: the Event type and its connection, a stream's events by version, and appendEvents.
 */

import { builder } from '../builder.js';
import { defaultApiLimits } from '../plugins/api-limits.js';
import {
  ExpectedVersionRequiredError,
  InvalidInputError,
  StreamIsUnversionedError,
  WrongExpectedVersionError,
} from '../store/errors.js';
import { defaultLimits as storeLimits } from '../store/limits.js';
import type { AppendRequest, AppendResult, RecordedEvent } from '../store/types.js';
import { checkPageSize, pageSizeDescription, toConnection } from './pagination.js';
import { StreamRefInput, StreamType, streamAtHand, streamOfEvent } from './streams.js';

export const EventType = builder.objectRef<RecordedEvent>('Event').implement({
  description: 'A stored event.',
  fields: (t) => ({
    id: t.expose('id', {
      type: 'UUID',
      description:
        'Unique within the tenant (an id stored in one stream is refused in any other), so it alone keys an event in a client cache.',
    }),
    type: t.exposeString('type'),
    data: t.expose('data', { type: 'JSON' }),
    // Stored metadata is an object when the append gave none; keep the field non-null regardless.
    metadata: t.field({ type: 'JSON', resolve: (event) => event.metadata ?? {} }),
    stream: t.field({
      type: StreamType,
      description:
        "The event's stream. `id`, `name` and `category` come with the event; the other fields are read from the stream's head: in a query, in one batch for all events of the response; in a subscription, once per page of the log read for all its subscribers, at or after the read that found the event (at least as new as that read).",
      resolve: (event) => streamOfEvent(event),
    }),
    version: t.exposeInt('version', {
      description: 'Its version in its stream: 1 for the first event, then +1.',
    }),
    position: t.expose('position', { type: 'Position', description: "Its position in the tenant's log." }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
  }),
});

export const EventConnection = builder.connectionObject(
  {
    type: EventType,
    name: 'EventConnection',
    fields: (t) => ({
      lastPosition: t.field({
        type: 'Position',
        nullable: true,
        description:
          'Query.events only: the last log position this page covered, matching the filter or not. A filtered page may end early (even empty) with hasNextPage: continue with `after: lastPosition` to skip what was already examined.',
        // toConnection (pagination.ts) adds lastPosition to the relay shape for log pages.
        resolve: (connection) => (connection as { lastPosition?: number | null }).lastPosition ?? null,
      }),
    }),
  },
  { name: 'EventEdge' },
);

builder.objectField(StreamType, 'events', (t) =>
  t.field({
    type: EventConnection,
    description: `Events by version: fromVersion and toVersion are inclusive bounds.
sinceSnapshot: only the events after the latest snapshot within the bounds.
first/after page forward, last/before page backward (${pageSizeDescription(defaultApiLimits)}).`,
    args: {
      fromVersion: t.arg.int(),
      toVersion: t.arg.int(),
      sinceSnapshot: t.arg.boolean({ defaultValue: false }),
      first: t.arg.int(),
      after: t.arg.string(),
      last: t.arg.int(),
      before: t.arg.string(),
    },
    resolve: async (stream, args, context) => {
      checkPageSize(args, context.limits);
      const page = await context.store.readStream({ id: stream.id, category: stream.category }, args);
      return toConnection(page);
    },
  }),
);

const EventInput = builder.inputType('EventInput', {
  fields: (t) => ({
    id: t.field({
      type: 'UUID',
      description:
        'Client-chosen id; generated when omitted. Unique within the tenant: an id already stored in any stream is refused with InvalidInputError, except when this append repeats the one that stored it (an idempotent retry).',
    }),
    type: t.string({ required: true }),
    data: t.field({ type: 'JSON', required: true }),
    metadata: t.field({ type: 'JSON' }),
  }),
});

export const AppendEventsInput = builder.inputType('AppendEventsInput', {
  fields: (t) => ({
    stream: t.field({ type: StreamRefInput, required: true }),
    expectedVersion: t.int({
      description:
        'The version the stream must be at (0: it must not exist). Required for versioned streams, refused for unversioned ones.',
    }),
    events: t.field({
      type: [EventInput],
      required: true,
      description: `From 1 to ${storeLimits.maxEventsPerAppend} events, at most ${storeLimits.maxAppendBytes / 1024} KiB of data and metadata together; stored all or none.`,
    }),
  }),
});

export const AppendEventsSuccess = builder.objectRef<AppendResult>('AppendEventsSuccess').implement({
  fields: (t) => ({
    stream: t.field({ type: StreamType, resolve: (result) => result.stream }),
    events: t.field({ type: [EventType], resolve: (result) => result.events }),
    replayed: t.exposeBoolean('replayed', {
      description:
        'True when this append repeated one already stored (same event ids): the original events are returned and nothing new was stored.',
    }),
  }),
});

/** The store's request for one AppendEventsInput (alone, or one of appendToStreams' appends). */
export function appendRequestOf(input: typeof AppendEventsInput.$inferInput): AppendRequest {
  return {
    stream: input.stream,
    expectedVersion: input.expectedVersion,
    // `data` is non-null in the schema; the JSON scalar's type merely allows null.
    events: input.events.map((event) => ({ ...event, data: event.data ?? null })),
  };
}

/** The typed refusals of an append, alone or in appendToStreams. */
export const appendErrorTypes = [
  WrongExpectedVersionError,
  ExpectedVersionRequiredError,
  StreamIsUnversionedError,
  InvalidInputError,
];

builder.mutationField('appendEvents', (t) =>
  t.field({
    type: AppendEventsSuccess,
    description: 'Appends events to a stream, creating it if needed; all are stored or none.',
    args: { input: t.arg({ type: AppendEventsInput, required: true }) },
    errors: { types: appendErrorTypes, directResult: true, union: { name: 'AppendEventsResult' } },
    resolve: async (_root, { input }, context) => {
      const result = await context.store.append(appendRequestOf(input));
      streamAtHand(result.stream, context);
      return result;
    },
  }),
);
