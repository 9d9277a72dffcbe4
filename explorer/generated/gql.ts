/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment ExplorerConsumerSummary on Consumer {\n  name\n  filter {\n    categories\n    types\n    streamIds\n  }\n  checkpoint\n  lag\n  maxAttempts\n  ackTimeoutMs\n  webhook {\n    url\n    batchSize\n  }\n  createdAt\n}\n\nquery ExplorerConsumers($first: Int, $after: String) {\n  consumers(first: $first, after: $after) {\n    edges {\n      node {\n        ...ExplorerConsumerSummary\n        parked(first: 1) {\n          edges {\n            cursor\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery ExplorerConsumer($name: String!, $first: Int, $after: String) {\n  consumer(name: $name) {\n    ...ExplorerConsumerSummary\n    parked(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          attempts\n          reason\n          parkedAt\n          event {\n            position\n            type\n            version\n            recordedAt\n            data\n            stream {\n              id\n              name\n              category\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nfragment ExplorerConsumerResult on ConsumerResult {\n  __typename\n  ... on ConsumerSuccess {\n    consumer {\n      name\n      checkpoint\n      lag\n    }\n  }\n  ... on InvalidInputError {\n    path\n  }\n  ... on Error {\n    message\n  }\n}\n\nmutation ExplorerReplayParked($input: ReplayParkedInput!) {\n  replayParked(input: $input) {\n    ...ExplorerConsumerResult\n  }\n}\n\nmutation ExplorerResetConsumer($input: ResetConsumerInput!) {\n  resetConsumer(input: $input) {\n    ...ExplorerConsumerResult\n  }\n}": typeof types.ExplorerConsumerSummaryFragmentDoc,
    "subscription ExplorerEventBatches($after: Position, $filter: EventFilter, $maxSize: Int, $maxWaitMs: Int) {\n  eventBatches(\n    after: $after\n    filter: $filter\n    maxSize: $maxSize\n    maxWaitMs: $maxWaitMs\n  ) {\n    checkpoint\n    caughtUp\n    events {\n      position\n      type\n      version\n      recordedAt\n      data\n      metadata\n      stream {\n        id\n        name\n        category\n      }\n    }\n  }\n}\n\nquery ExplorerHead {\n  head\n}": typeof types.ExplorerEventBatchesDocument,
    "query ExplorerViewer {\n  viewer {\n    tenant\n    scopes\n    categories\n    streamIds\n    expiresAt\n  }\n}": typeof types.ExplorerViewerDocument,
};
const documents: Documents = {
    "fragment ExplorerConsumerSummary on Consumer {\n  name\n  filter {\n    categories\n    types\n    streamIds\n  }\n  checkpoint\n  lag\n  maxAttempts\n  ackTimeoutMs\n  webhook {\n    url\n    batchSize\n  }\n  createdAt\n}\n\nquery ExplorerConsumers($first: Int, $after: String) {\n  consumers(first: $first, after: $after) {\n    edges {\n      node {\n        ...ExplorerConsumerSummary\n        parked(first: 1) {\n          edges {\n            cursor\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery ExplorerConsumer($name: String!, $first: Int, $after: String) {\n  consumer(name: $name) {\n    ...ExplorerConsumerSummary\n    parked(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          attempts\n          reason\n          parkedAt\n          event {\n            position\n            type\n            version\n            recordedAt\n            data\n            stream {\n              id\n              name\n              category\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nfragment ExplorerConsumerResult on ConsumerResult {\n  __typename\n  ... on ConsumerSuccess {\n    consumer {\n      name\n      checkpoint\n      lag\n    }\n  }\n  ... on InvalidInputError {\n    path\n  }\n  ... on Error {\n    message\n  }\n}\n\nmutation ExplorerReplayParked($input: ReplayParkedInput!) {\n  replayParked(input: $input) {\n    ...ExplorerConsumerResult\n  }\n}\n\nmutation ExplorerResetConsumer($input: ResetConsumerInput!) {\n  resetConsumer(input: $input) {\n    ...ExplorerConsumerResult\n  }\n}": types.ExplorerConsumerSummaryFragmentDoc,
    "subscription ExplorerEventBatches($after: Position, $filter: EventFilter, $maxSize: Int, $maxWaitMs: Int) {\n  eventBatches(\n    after: $after\n    filter: $filter\n    maxSize: $maxSize\n    maxWaitMs: $maxWaitMs\n  ) {\n    checkpoint\n    caughtUp\n    events {\n      position\n      type\n      version\n      recordedAt\n      data\n      metadata\n      stream {\n        id\n        name\n        category\n      }\n    }\n  }\n}\n\nquery ExplorerHead {\n  head\n}": types.ExplorerEventBatchesDocument,
    "query ExplorerViewer {\n  viewer {\n    tenant\n    scopes\n    categories\n    streamIds\n    expiresAt\n  }\n}": types.ExplorerViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ExplorerConsumerSummary on Consumer {\n  name\n  filter {\n    categories\n    types\n    streamIds\n  }\n  checkpoint\n  lag\n  maxAttempts\n  ackTimeoutMs\n  webhook {\n    url\n    batchSize\n  }\n  createdAt\n}\n\nquery ExplorerConsumers($first: Int, $after: String) {\n  consumers(first: $first, after: $after) {\n    edges {\n      node {\n        ...ExplorerConsumerSummary\n        parked(first: 1) {\n          edges {\n            cursor\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery ExplorerConsumer($name: String!, $first: Int, $after: String) {\n  consumer(name: $name) {\n    ...ExplorerConsumerSummary\n    parked(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          attempts\n          reason\n          parkedAt\n          event {\n            position\n            type\n            version\n            recordedAt\n            data\n            stream {\n              id\n              name\n              category\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nfragment ExplorerConsumerResult on ConsumerResult {\n  __typename\n  ... on ConsumerSuccess {\n    consumer {\n      name\n      checkpoint\n      lag\n    }\n  }\n  ... on InvalidInputError {\n    path\n  }\n  ... on Error {\n    message\n  }\n}\n\nmutation ExplorerReplayParked($input: ReplayParkedInput!) {\n  replayParked(input: $input) {\n    ...ExplorerConsumerResult\n  }\n}\n\nmutation ExplorerResetConsumer($input: ResetConsumerInput!) {\n  resetConsumer(input: $input) {\n    ...ExplorerConsumerResult\n  }\n}"): typeof import('./graphql').ExplorerConsumerSummaryFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ExplorerEventBatches($after: Position, $filter: EventFilter, $maxSize: Int, $maxWaitMs: Int) {\n  eventBatches(\n    after: $after\n    filter: $filter\n    maxSize: $maxSize\n    maxWaitMs: $maxWaitMs\n  ) {\n    checkpoint\n    caughtUp\n    events {\n      position\n      type\n      version\n      recordedAt\n      data\n      metadata\n      stream {\n        id\n        name\n        category\n      }\n    }\n  }\n}\n\nquery ExplorerHead {\n  head\n}"): typeof import('./graphql').ExplorerEventBatchesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ExplorerViewer {\n  viewer {\n    tenant\n    scopes\n    categories\n    streamIds\n    expiresAt\n  }\n}"): typeof import('./graphql').ExplorerViewerDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
