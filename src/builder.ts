/**
 * The one Pothos SchemaBuilder of the API: its context, its scalars and its plugins. The
 * type families in src/schema/ add to it; src/schema/index.ts turns it into the schema.
 */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import { type GraphQLField, type GraphQLOutputType, getNamedType, isListType, isNonNullType } from 'graphql';
import type { ApiLimits } from './api-limits.js';
import type { GraphQLContext } from './context.js';
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

/**
 * A field costs 1. A connection multiplies its selection by the page size it asks for, its
 * `edges` list then does not multiply again; other lists multiply by a small default. A
 * filtered log read costs the entries it may examine (`filteredReadCost`).
 */
function fieldCost(
  args: Record<string, unknown>,
  field: GraphQLField<unknown, GraphQLContext, Record<string, unknown>>,
  limits: Pick<ApiLimits, 'defaultPageSize' | 'maxPageSize' | 'filteredReadCost'>,
): { field: number; multiplier: number } {
  const named = getNamedType(field.type).name;
  if (named.endsWith('Connection')) {
    const size = pageSizeArgument(args.first) ?? pageSizeArgument(args.last) ?? limits.defaultPageSize;
    // An oversized page is refused by its resolver with a page-size error, which says more.
    const multiplier = Math.min(Math.max(size, 1), limits.maxPageSize);
    return { field: isFiltering(args.filter) ? limits.filteredReadCost : 1, multiplier };
  }
  if (field.name === 'edges' && named.endsWith('Edge')) return { field: 1, multiplier: 1 };
  return { field: 1, multiplier: isList(field.type) ? 10 : 1 };
}

/** A log filter that can skip entries (and so read many to fill a page). */
function isFiltering(filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null) return false;
  return Object.values(filter).some((values) => Array.isArray(values));
}

function pageSizeArgument(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

// The root types; each family in src/schema/ adds its fields to them.
builder.queryType({});
builder.mutationType({});
