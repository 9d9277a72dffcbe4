/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AppendEventsInput = {
  /** From 1 to 32 events, at most 256 KiB of data and metadata together; stored all or none. */
  events: Array<EventInput>;
  /** The version the stream must be at (0: it must not exist). Required for versioned streams, refused for unversioned ones. */
  expectedVersion?: number | null | undefined;
  stream: StreamRef;
};

/** The given fields combine with AND, the values of one field with OR. */
export type EventFilter = {
  /** Only events of streams in these categories. */
  categories?: Array<string> | null | undefined;
  /** Only events of these streams (any category). */
  streamIds?: Array<string> | null | undefined;
  /** Only events of these types. */
  types?: Array<string> | null | undefined;
};

export type EventInput = {
  data: unknown;
  /** Client-chosen id; generated when omitted. Unique within the tenant: an id already stored in any stream is refused with InvalidInputError, except when this append repeats the one that stored it (an idempotent retry). */
  id?: string | null | undefined;
  metadata?: unknown;
  type: string;
};

export type ReplayParkedInput = {
  consumer: string;
  /** Default: every parked event. */
  positions?: Array<number> | null | undefined;
};

export type ResetConsumerInput = {
  after: number;
  consumer: string;
};

/** Names a stream by id or name (or both, then they must agree; a name stands for the id UUIDv5(3a24a3ee-d33d-4266-93ab-7d8e256a6d44, name)). Without category: the stream whose category is null. */
export type StreamRef = {
  category?: string | null | undefined;
  id?: string | null | undefined;
  name?: string | null | undefined;
};

export type ExplorerConsumerSummaryFragment = { name: string, checkpoint: number, lag: number, maxAttempts: number, ackTimeoutMs: number, createdAt: string, filter: { categories: Array<string> | null, types: Array<string> | null, streamIds: Array<string> | null } | null, webhook: { url: string, batchSize: number } | null };

export type ExplorerConsumersQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ExplorerConsumersQuery = { consumers: { edges: Array<{ node: { name: string, checkpoint: number, lag: number, maxAttempts: number, ackTimeoutMs: number, createdAt: string, parked: { edges: Array<{ cursor: string }> }, filter: { categories: Array<string> | null, types: Array<string> | null, streamIds: Array<string> | null } | null, webhook: { url: string, batchSize: number } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ExplorerConsumerQueryVariables = Exact<{
  name: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ExplorerConsumerQuery = { consumer: { name: string, checkpoint: number, lag: number, maxAttempts: number, ackTimeoutMs: number, createdAt: string, parked: { edges: Array<{ cursor: string, node: { attempts: number, reason: string | null, parkedAt: string, event: { position: number, type: string, version: number, recordedAt: string, data: unknown, stream: { id: string, name: string | null, category: string | null } } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } }, filter: { categories: Array<string> | null, types: Array<string> | null, streamIds: Array<string> | null } | null, webhook: { url: string, batchSize: number } | null } | null };

type ExplorerConsumerResult_ConsumerNotFoundError_Fragment = { __typename: 'ConsumerNotFoundError', message: string };

type ExplorerConsumerResult_ConsumerSuccess_Fragment = { __typename: 'ConsumerSuccess', consumer: { name: string, checkpoint: number, lag: number } };

type ExplorerConsumerResult_InvalidInputError_Fragment = { __typename: 'InvalidInputError', path: Array<string> | null, message: string };

export type ExplorerConsumerResultFragment =
  | ExplorerConsumerResult_ConsumerNotFoundError_Fragment
  | ExplorerConsumerResult_ConsumerSuccess_Fragment
  | ExplorerConsumerResult_InvalidInputError_Fragment
;

export type ExplorerReplayParkedMutationVariables = Exact<{
  input: ReplayParkedInput;
}>;


export type ExplorerReplayParkedMutation = { replayParked:
    | { __typename: 'ConsumerNotFoundError', message: string }
    | { __typename: 'ConsumerSuccess', consumer: { name: string, checkpoint: number, lag: number } }
    | { __typename: 'InvalidInputError', path: Array<string> | null, message: string }
   };

export type ExplorerResetConsumerMutationVariables = Exact<{
  input: ResetConsumerInput;
}>;


export type ExplorerResetConsumerMutation = { resetConsumer:
    | { __typename: 'ConsumerNotFoundError', message: string }
    | { __typename: 'ConsumerSuccess', consumer: { name: string, checkpoint: number, lag: number } }
    | { __typename: 'InvalidInputError', path: Array<string> | null, message: string }
   };

export type ExplorerEventBatchesSubscriptionVariables = Exact<{
  after?: number | null | undefined;
  filter?: EventFilter | null | undefined;
  maxSize?: number | null | undefined;
  maxWaitMs?: number | null | undefined;
}>;


export type ExplorerEventBatchesSubscription = { eventBatches: { checkpoint: number, caughtUp: boolean, events: Array<{ position: number, type: string, version: number, recordedAt: string, data: unknown, metadata: unknown, stream: { id: string, name: string | null, category: string | null } }> } };

export type ExplorerHeadQueryVariables = Exact<{ [key: string]: never; }>;


export type ExplorerHeadQuery = { head: number };

export type StreamRowFragment = { id: string, name: string | null, category: string | null, version: number, versioned: boolean, updatedAt: string };

export type StreamEventFieldsFragment = { id: string, type: string, version: number, position: number, recordedAt: string, data: unknown, metadata: unknown };

export type ExplorerStreamsQueryVariables = Exact<{
  category?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ExplorerStreamsQuery = { streams: { edges: Array<{ node: { id: string, name: string | null, category: string | null, version: number, versioned: boolean, updatedAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ExplorerFindStreamQueryVariables = Exact<{
  ref: StreamRef;
}>;


export type ExplorerFindStreamQuery = { stream: { id: string, name: string | null, category: string | null, version: number, versioned: boolean, updatedAt: string } | null };

export type ExplorerStreamQueryVariables = Exact<{
  ref: StreamRef;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  toVersion?: number | null | undefined;
}>;


export type ExplorerStreamQuery = { stream: { createdAt: string, id: string, name: string | null, category: string | null, version: number, versioned: boolean, updatedAt: string, snapshot: { version: number, type: string, createdAt: string, data: unknown } | null, events: { edges: Array<{ node: { id: string, type: string, version: number, position: number, recordedAt: string, data: unknown, metadata: unknown } }>, pageInfo: { startCursor: string | null, endCursor: string | null } } } | null };

export type ExplorerAppendMutationVariables = Exact<{
  input: AppendEventsInput;
}>;


export type ExplorerAppendMutation = { appendEvents:
    | { __typename: 'AppendEventsSuccess', replayed: boolean, stream: { id: string, name: string | null, category: string | null, version: number, versioned: boolean, updatedAt: string }, events: Array<{ id: string, version: number, position: number }> }
    | { __typename: 'ExpectedVersionRequiredError', message: string, streamId: string | null, category: string | null }
    | { __typename: 'InvalidInputError', message: string, path: Array<string> | null }
    | { __typename: 'StreamIsUnversionedError', message: string, streamId: string | null, category: string | null }
    | { __typename: 'WrongExpectedVersionError', message: string, expectedVersion: number, actualVersion: number, streamId: string | null, category: string | null }
   };

export type ExplorerCategoriesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ExplorerCategoriesQuery = { categories: { edges: Array<{ node: { name: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ExplorerViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ExplorerViewerQuery = { viewer: { tenant: string, scopes: Array<string>, categories: Array<string> | null, streamIds: Array<string> | null, expiresAt: string | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ExplorerConsumerSummaryFragmentDoc = new TypedDocumentString(`
    fragment ExplorerConsumerSummary on Consumer {
  name
  filter {
    categories
    types
    streamIds
  }
  checkpoint
  lag
  maxAttempts
  ackTimeoutMs
  webhook {
    url
    batchSize
  }
  createdAt
}
    `, {"fragmentName":"ExplorerConsumerSummary"}) as unknown as TypedDocumentString<ExplorerConsumerSummaryFragment, unknown>;
export const ExplorerConsumerResultFragmentDoc = new TypedDocumentString(`
    fragment ExplorerConsumerResult on ConsumerResult {
  __typename
  ... on ConsumerSuccess {
    consumer {
      name
      checkpoint
      lag
    }
  }
  ... on InvalidInputError {
    path
  }
  ... on Error {
    message
  }
}
    `, {"fragmentName":"ExplorerConsumerResult"}) as unknown as TypedDocumentString<ExplorerConsumerResultFragment, unknown>;
export const StreamRowFragmentDoc = new TypedDocumentString(`
    fragment StreamRow on Stream {
  id
  name
  category
  version
  versioned
  updatedAt
}
    `, {"fragmentName":"StreamRow"}) as unknown as TypedDocumentString<StreamRowFragment, unknown>;
export const StreamEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment StreamEventFields on Event {
  id
  type
  version
  position
  recordedAt
  data
  metadata
}
    `, {"fragmentName":"StreamEventFields"}) as unknown as TypedDocumentString<StreamEventFieldsFragment, unknown>;
export const ExplorerConsumersDocument = new TypedDocumentString(`
    query ExplorerConsumers($first: Int, $after: String) {
  consumers(first: $first, after: $after) {
    edges {
      node {
        ...ExplorerConsumerSummary
        parked(first: 1) {
          edges {
            cursor
          }
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ExplorerConsumerSummary on Consumer {
  name
  filter {
    categories
    types
    streamIds
  }
  checkpoint
  lag
  maxAttempts
  ackTimeoutMs
  webhook {
    url
    batchSize
  }
  createdAt
}`) as unknown as TypedDocumentString<ExplorerConsumersQuery, ExplorerConsumersQueryVariables>;
export const ExplorerConsumerDocument = new TypedDocumentString(`
    query ExplorerConsumer($name: String!, $first: Int, $after: String) {
  consumer(name: $name) {
    ...ExplorerConsumerSummary
    parked(first: $first, after: $after) {
      edges {
        cursor
        node {
          attempts
          reason
          parkedAt
          event {
            position
            type
            version
            recordedAt
            data
            stream {
              id
              name
              category
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment ExplorerConsumerSummary on Consumer {
  name
  filter {
    categories
    types
    streamIds
  }
  checkpoint
  lag
  maxAttempts
  ackTimeoutMs
  webhook {
    url
    batchSize
  }
  createdAt
}`) as unknown as TypedDocumentString<ExplorerConsumerQuery, ExplorerConsumerQueryVariables>;
export const ExplorerReplayParkedDocument = new TypedDocumentString(`
    mutation ExplorerReplayParked($input: ReplayParkedInput!) {
  replayParked(input: $input) {
    ...ExplorerConsumerResult
  }
}
    fragment ExplorerConsumerResult on ConsumerResult {
  __typename
  ... on ConsumerSuccess {
    consumer {
      name
      checkpoint
      lag
    }
  }
  ... on InvalidInputError {
    path
  }
  ... on Error {
    message
  }
}`) as unknown as TypedDocumentString<ExplorerReplayParkedMutation, ExplorerReplayParkedMutationVariables>;
export const ExplorerResetConsumerDocument = new TypedDocumentString(`
    mutation ExplorerResetConsumer($input: ResetConsumerInput!) {
  resetConsumer(input: $input) {
    ...ExplorerConsumerResult
  }
}
    fragment ExplorerConsumerResult on ConsumerResult {
  __typename
  ... on ConsumerSuccess {
    consumer {
      name
      checkpoint
      lag
    }
  }
  ... on InvalidInputError {
    path
  }
  ... on Error {
    message
  }
}`) as unknown as TypedDocumentString<ExplorerResetConsumerMutation, ExplorerResetConsumerMutationVariables>;
export const ExplorerEventBatchesDocument = new TypedDocumentString(`
    subscription ExplorerEventBatches($after: Position, $filter: EventFilter, $maxSize: Int, $maxWaitMs: Int) {
  eventBatches(
    after: $after
    filter: $filter
    maxSize: $maxSize
    maxWaitMs: $maxWaitMs
  ) {
    checkpoint
    caughtUp
    events {
      position
      type
      version
      recordedAt
      data
      metadata
      stream {
        id
        name
        category
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ExplorerEventBatchesSubscription, ExplorerEventBatchesSubscriptionVariables>;
export const ExplorerHeadDocument = new TypedDocumentString(`
    query ExplorerHead {
  head
}
    `) as unknown as TypedDocumentString<ExplorerHeadQuery, ExplorerHeadQueryVariables>;
export const ExplorerStreamsDocument = new TypedDocumentString(`
    query ExplorerStreams($category: String, $first: Int, $after: String) {
  streams(category: $category, first: $first, after: $after) {
    edges {
      node {
        ...StreamRow
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment StreamRow on Stream {
  id
  name
  category
  version
  versioned
  updatedAt
}`) as unknown as TypedDocumentString<ExplorerStreamsQuery, ExplorerStreamsQueryVariables>;
export const ExplorerFindStreamDocument = new TypedDocumentString(`
    query ExplorerFindStream($ref: StreamRef!) {
  stream(ref: $ref) {
    ...StreamRow
  }
}
    fragment StreamRow on Stream {
  id
  name
  category
  version
  versioned
  updatedAt
}`) as unknown as TypedDocumentString<ExplorerFindStreamQuery, ExplorerFindStreamQueryVariables>;
export const ExplorerStreamDocument = new TypedDocumentString(`
    query ExplorerStream($ref: StreamRef!, $first: Int, $after: String, $last: Int, $before: String, $toVersion: Int) {
  stream(ref: $ref) {
    ...StreamRow
    createdAt
    snapshot {
      version
      type
      createdAt
      data
    }
    events(
      first: $first
      after: $after
      last: $last
      before: $before
      toVersion: $toVersion
    ) {
      edges {
        node {
          ...StreamEventFields
        }
      }
      pageInfo {
        startCursor
        endCursor
      }
    }
  }
}
    fragment StreamRow on Stream {
  id
  name
  category
  version
  versioned
  updatedAt
}
fragment StreamEventFields on Event {
  id
  type
  version
  position
  recordedAt
  data
  metadata
}`) as unknown as TypedDocumentString<ExplorerStreamQuery, ExplorerStreamQueryVariables>;
export const ExplorerAppendDocument = new TypedDocumentString(`
    mutation ExplorerAppend($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess {
      replayed
      stream {
        ...StreamRow
      }
      events {
        id
        version
        position
      }
    }
    ... on Error {
      message
    }
    ... on WrongExpectedVersionError {
      expectedVersion
      actualVersion
      streamId
      category
    }
    ... on InvalidInputError {
      path
    }
    ... on ExpectedVersionRequiredError {
      streamId
      category
    }
    ... on StreamIsUnversionedError {
      streamId
      category
    }
  }
}
    fragment StreamRow on Stream {
  id
  name
  category
  version
  versioned
  updatedAt
}`) as unknown as TypedDocumentString<ExplorerAppendMutation, ExplorerAppendMutationVariables>;
export const ExplorerCategoriesDocument = new TypedDocumentString(`
    query ExplorerCategories($first: Int, $after: String) {
  categories(first: $first, after: $after) {
    edges {
      node {
        name
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ExplorerCategoriesQuery, ExplorerCategoriesQueryVariables>;
export const ExplorerViewerDocument = new TypedDocumentString(`
    query ExplorerViewer {
  viewer {
    tenant
    scopes
    categories
    streamIds
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<ExplorerViewerQuery, ExplorerViewerQueryVariables>;