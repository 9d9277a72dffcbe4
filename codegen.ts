/**
 * GraphQL Code Generator over schema.graphql: the client preset, typed document nodes, and the
 * `possibleTypes` map (fragment matcher) that normalized caches need to read `... on Error`
 * inside the result unions (Apollo Client's InMemoryCache; see the README's "Using Apollo
 * Client / urql"). The project's own API tests use its output (test/generated/, committed and checked for
 * freshness by test/schema/schema-file.test.ts). A consumer copies this file and points
 * `documents` and `generates` at its own code; `npm run codegen` regenerates ours.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'test/generated/': {
      documents: ['test/support/operations/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        importExtension: '.js',
        enumsAsTypes: true,
        strictScalars: true,
        // How the API's scalars arrive in JSON.
        scalars: {
          UUID: 'string',
          DateTime: 'string',
          JSON: 'unknown',
          Position: 'number',
        },
      },
    },
    // The explorer page's typed documents (explorer/operations/): documents as strings, so the
    // browser bundle carries no GraphQL parser.
    'explorer/generated/': {
      documents: ['explorer/operations/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { UUID: 'string', DateTime: 'string', JSON: 'unknown', Position: 'number' },
      },
    },
    // Which object types each union and interface may be (AppendEventsResult, Error, ...), in
    // Apollo Client's format: `new InMemoryCache({ possibleTypes: introspection.possibleTypes })`.
    'test/generated/possible-types.ts': {
      documents: ['test/support/operations/*.graphql'],
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3, useExplicitTyping: true },
    },
  },
};

export default config;
