/**
 * The one Pothos SchemaBuilder of the API: its context, its scalars and its plugins. The
 * type families in src/schema/ add to it; src/schema/index.ts turns it into the schema.
 */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import type { GraphQLContext } from './context.js';
import { fieldCost } from './plugins/field-cost.js';
import type { JsonValue } from './store/types.js';

export type Scalars = {
  UUID: { Input: string; Output: string };
  DateTime: { Input: Date; Output: Date };
  JSON: { Input: JsonValue; Output: JsonValue };
  Position: { Input: number; Output: number };
};

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: Scalars;
  // Fields are non-null unless they say otherwise, as in the contract.
  DefaultFieldNullability: false;
  // The contract's connections are `edges: [XEdge!]!` with `node: X!`.
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [ErrorsPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  errors: {
    // Only the error types a field lists become typed results; anything else is a GraphQL
    // error, masked by the server unless it is meant for the client.
    defaultTypes: [],
  },
  relay: {
    // Streams are identified by (id, category), not by global node ids.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
  complexity: {
    // Limits are enforced per request by src/plugins/use-limits.ts (with the request's
    // variables); the schema only says what each field costs.
    fieldComplexity: (args, ctx, field) => fieldCost(args, field, ctx.limits),
  },
});

// The root types; each family in src/schema/ adds its fields to them.
builder.queryType({});
builder.mutationType({});
