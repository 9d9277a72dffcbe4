/**
 * The contract's error types. They are the store's error classes themselves, so the Pothos
 * errors plugin turns a thrown store error into the matching member of a result union.
 */
import { builder } from '../builder.js';
import {
  ExpectedVersionRequiredError,
  InvalidInputError,
  StreamIsUnversionedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../store/errors.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Fields every typed error has; select `... on Error { message }` to handle any of them.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

type ApiTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type NamedStreamError = WrongExpectedVersionError | ExpectedVersionRequiredError | StreamIsUnversionedError;

/** `streamId` and `category` of the stream a refusal is about (the one that failed in appendToStreams). */
const streamNamingFields = (t: PothosSchemaTypes.ObjectFieldBuilder<ApiTypes, NamedStreamError>) => ({
  streamId: t.field({
    type: 'UUID',
    nullable: true,
    description:
      'The stream that failed: in appendToStreams, the first in input order (appends before conditions).',
    resolve: (error) => error.streamId ?? null,
  }),
  category: t.string({
    nullable: true,
    description: "That stream's category; null when it has none.",
    resolve: (error) => error.category ?? null,
  }),
});

builder.objectType(WrongExpectedVersionError, {
  name: 'WrongExpectedVersionError',
  description: 'The stream was not at the expected version when the change was committed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    expectedVersion: t.exposeInt('expectedVersion'),
    actualVersion: t.exposeInt('actualVersion', {
      description: "The stream's version when the append was refused; 0 if it does not exist.",
    }),
    ...streamNamingFields(t),
  }),
});

builder.objectType(ExpectedVersionRequiredError, {
  name: 'ExpectedVersionRequiredError',
  description: 'The stream is versioned: appends to it must give expectedVersion.',
  interfaces: [ErrorInterface],
  fields: (t) => streamNamingFields(t),
});

builder.objectType(StreamIsUnversionedError, {
  name: 'StreamIsUnversionedError',
  description: 'The stream is unversioned: appends to it must not give expectedVersion.',
  interfaces: [ErrorInterface],
  fields: (t) => streamNamingFields(t),
});

builder.objectType(StreamNotFoundError, {
  name: 'StreamNotFoundError',
  interfaces: [ErrorInterface],
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  description: 'The input breaks a rule or a limit; nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    path: t.stringList({
      nullable: true,
      description: 'Path of the offending input field, e.g. ["input", "events", "3", "data"].',
      // The store names fields relative to the mutation's `input` argument.
      resolve: (error) => ['input', ...error.path],
    }),
  }),
});
