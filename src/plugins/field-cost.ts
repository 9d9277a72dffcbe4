/**
 * What each field costs, for the operation cost limit that src/plugins/use-limits.ts enforces
 * (the schema's complexity plugin asks this per field, src/builder.ts).
 */
import { type GraphQLField, type GraphQLOutputType, getNamedType, isListType, isNonNullType } from 'graphql';
import type { ApiLimits } from './api-limits.js';

/** The only arguments `fieldCost` reads: a document whose variables feed none of them costs the same whatever its variables. */
export const costArguments: ReadonlySet<string> = new Set(['first', 'last', 'filter']);

/**
 * A field costs 1. A connection multiplies its selection by the page size it asks for, its
 * `edges` list then does not multiply again; other lists multiply by a small default. A
 * filtered log read costs the entries it may examine (`filteredReadCost`).
 */
export function fieldCost<TContext>(
  args: Record<string, unknown>,
  field: GraphQLField<unknown, TContext, Record<string, unknown>>,
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
