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
    "fragment StreamRow on Stream {\n  id\n  name\n  category\n  version\n  versioned\n  updatedAt\n}\n\nfragment StreamEventFields on Event {\n  id\n  type\n  version\n  position\n  recordedAt\n  data\n  metadata\n}\n\nquery ExplorerStreams($category: String, $first: Int, $after: String) {\n  streams(category: $category, first: $first, after: $after) {\n    edges {\n      node {\n        ...StreamRow\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery ExplorerFindStream($ref: StreamRef!) {\n  stream(ref: $ref) {\n    ...StreamRow\n  }\n}\n\nquery ExplorerStream($ref: StreamRef!, $first: Int, $after: String, $last: Int, $before: String, $toVersion: Int) {\n  stream(ref: $ref) {\n    ...StreamRow\n    createdAt\n    snapshot {\n      version\n      type\n      createdAt\n      data\n    }\n    events(\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n      toVersion: $toVersion\n    ) {\n      edges {\n        node {\n          ...StreamEventFields\n        }\n      }\n      pageInfo {\n        startCursor\n        endCursor\n      }\n    }\n  }\n}\n\nmutation ExplorerAppend($input: AppendEventsInput!) {\n  appendEvents(input: $input) {\n    __typename\n    ... on AppendEventsSuccess {\n      replayed\n      stream {\n        ...StreamRow\n      }\n      events {\n        id\n        version\n        position\n      }\n    }\n    ... on Error {\n      message\n    }\n    ... on WrongExpectedVersionError {\n      expectedVersion\n      actualVersion\n      streamId\n      category\n    }\n    ... on InvalidInputError {\n      path\n    }\n    ... on ExpectedVersionRequiredError {\n      streamId\n      category\n    }\n    ... on StreamIsUnversionedError {\n      streamId\n      category\n    }\n  }\n}": typeof types.StreamRowFragmentDoc,
    "query ExplorerViewer {\n  viewer {\n    tenant\n    scopes\n    categories\n    streamIds\n    expiresAt\n  }\n}": typeof types.ExplorerViewerDocument,
};
const documents: Documents = {
    "fragment StreamRow on Stream {\n  id\n  name\n  category\n  version\n  versioned\n  updatedAt\n}\n\nfragment StreamEventFields on Event {\n  id\n  type\n  version\n  position\n  recordedAt\n  data\n  metadata\n}\n\nquery ExplorerStreams($category: String, $first: Int, $after: String) {\n  streams(category: $category, first: $first, after: $after) {\n    edges {\n      node {\n        ...StreamRow\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery ExplorerFindStream($ref: StreamRef!) {\n  stream(ref: $ref) {\n    ...StreamRow\n  }\n}\n\nquery ExplorerStream($ref: StreamRef!, $first: Int, $after: String, $last: Int, $before: String, $toVersion: Int) {\n  stream(ref: $ref) {\n    ...StreamRow\n    createdAt\n    snapshot {\n      version\n      type\n      createdAt\n      data\n    }\n    events(\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n      toVersion: $toVersion\n    ) {\n      edges {\n        node {\n          ...StreamEventFields\n        }\n      }\n      pageInfo {\n        startCursor\n        endCursor\n      }\n    }\n  }\n}\n\nmutation ExplorerAppend($input: AppendEventsInput!) {\n  appendEvents(input: $input) {\n    __typename\n    ... on AppendEventsSuccess {\n      replayed\n      stream {\n        ...StreamRow\n      }\n      events {\n        id\n        version\n        position\n      }\n    }\n    ... on Error {\n      message\n    }\n    ... on WrongExpectedVersionError {\n      expectedVersion\n      actualVersion\n      streamId\n      category\n    }\n    ... on InvalidInputError {\n      path\n    }\n    ... on ExpectedVersionRequiredError {\n      streamId\n      category\n    }\n    ... on StreamIsUnversionedError {\n      streamId\n      category\n    }\n  }\n}": types.StreamRowFragmentDoc,
    "query ExplorerViewer {\n  viewer {\n    tenant\n    scopes\n    categories\n    streamIds\n    expiresAt\n  }\n}": types.ExplorerViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment StreamRow on Stream {\n  id\n  name\n  category\n  version\n  versioned\n  updatedAt\n}\n\nfragment StreamEventFields on Event {\n  id\n  type\n  version\n  position\n  recordedAt\n  data\n  metadata\n}\n\nquery ExplorerStreams($category: String, $first: Int, $after: String) {\n  streams(category: $category, first: $first, after: $after) {\n    edges {\n      node {\n        ...StreamRow\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery ExplorerFindStream($ref: StreamRef!) {\n  stream(ref: $ref) {\n    ...StreamRow\n  }\n}\n\nquery ExplorerStream($ref: StreamRef!, $first: Int, $after: String, $last: Int, $before: String, $toVersion: Int) {\n  stream(ref: $ref) {\n    ...StreamRow\n    createdAt\n    snapshot {\n      version\n      type\n      createdAt\n      data\n    }\n    events(\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n      toVersion: $toVersion\n    ) {\n      edges {\n        node {\n          ...StreamEventFields\n        }\n      }\n      pageInfo {\n        startCursor\n        endCursor\n      }\n    }\n  }\n}\n\nmutation ExplorerAppend($input: AppendEventsInput!) {\n  appendEvents(input: $input) {\n    __typename\n    ... on AppendEventsSuccess {\n      replayed\n      stream {\n        ...StreamRow\n      }\n      events {\n        id\n        version\n        position\n      }\n    }\n    ... on Error {\n      message\n    }\n    ... on WrongExpectedVersionError {\n      expectedVersion\n      actualVersion\n      streamId\n      category\n    }\n    ... on InvalidInputError {\n      path\n    }\n    ... on ExpectedVersionRequiredError {\n      streamId\n      category\n    }\n    ... on StreamIsUnversionedError {\n      streamId\n      category\n    }\n  }\n}"): typeof import('./graphql').StreamRowFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ExplorerViewer {\n  viewer {\n    tenant\n    scopes\n    categories\n    streamIds\n    expiresAt\n  }\n}"): typeof import('./graphql').ExplorerViewerDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
