/**
 * appendToStreams (the multi-stream part of the contract): several appends, and conditions on
 * streams not written, stored in one transaction or not at all.
 */
import { builder } from '../builder.js';
import { defaultLimits as storeLimits } from '../store/limits.js';
import type { AppendToStreamsResult } from '../store/types.js';
import { AppendEventsInput, AppendEventsSuccess, appendErrorTypes, appendRequestOf } from './events.js';
import { StreamRefInput, streamAtHand } from './streams.js';

const StreamConditionInput = builder.inputType('StreamCondition', {
  description:
    'A stream the call does not write: it must be at `expectedVersion` when the events are stored.',
  fields: (t) => ({
    stream: t.field({ type: StreamRefInput, required: true }),
    expectedVersion: t.int({
      required: true,
      description: 'The version it must be at; 0: it must not exist.',
    }),
  }),
});

const AppendToStreamsInput = builder.inputType('AppendToStreamsInput', {
  fields: (t) => ({
    appends: t.field({
      type: [AppendEventsInput],
      required: true,
      description: `At least one. Their events take consecutive positions in this order. At most ${storeLimits.maxStreamsPerCall} streams across appends and conditions, each stream once. Over all appends together: ${storeLimits.maxEventsPerAppend} events, ${storeLimits.maxAppendBytes / 1024} KiB of data and metadata, and one DynamoDB transaction's 100 actions (3 per event, 2 per append, 1 per condition, 1 more), so 25 events fit with any 10 streams.`,
    }),
    conditions: t.field({ type: [StreamConditionInput], required: false }),
  }),
});

const AppendToStreamsSuccess = builder.objectRef<AppendToStreamsResult>('AppendToStreamsSuccess').implement({
  fields: (t) => ({
    appends: t.field({
      type: [AppendEventsSuccess],
      description: 'One result per append, in input order.',
      resolve: (result) => result.appends,
    }),
  }),
});

builder.mutationField('appendToStreams', (t) =>
  t.field({
    type: AppendToStreamsSuccess,
    description:
      'Appends to several streams in one transaction, on conditions on others: all events are stored or none. A refusal names the stream that failed (the first in input order, appends before conditions).',
    args: { input: t.arg({ type: AppendToStreamsInput, required: true }) },
    errors: { types: appendErrorTypes, directResult: true, union: { name: 'AppendToStreamsResult' } },
    resolve: async (_root, { input }, context) => {
      const result = await context.store.appendToStreams({
        appends: input.appends.map(appendRequestOf),
        conditions: input.conditions ?? null,
      });
      for (const append of result.appends) streamAtHand(append.stream, context);
      return result;
    },
  }),
);
