/**
 * The tenant's categories, read from the stream listing (one partition, sorted by category then
 * stream id) by skipping: one Query of one item finds the next category, the next starts after
 * all of that category's listings. A page of n categories costs n + 1 Queries, whatever the
 * number of streams; there is no category item to keep in step with appends and deletions.
 * The streams without category (listed last, under `~`) are not a category.
 */
import { decodeStringCursor, encodeCursor } from './cursor.js';
import { InvalidInputError } from './errors.js';
import { fromItem, type ListingItem, toItem } from './items.js';
import { streamListCategoryPrefix, streamListPk } from './keys.js';
import type { ReadContext } from './read-gate.js';
import { readListings } from './reads.js';
import type { StreamRestriction } from './restriction.js';
import type { Edge, ListCategoriesOptions, Page } from './types.js';

/** Each category costs a Query: pages are smaller than stream pages. */
export const categoryPageLimits = { defaultSize: 100, maxSize: 100 } as const;

/** Sorts after every listing of a category (`<prefix><uuid>`): uuids are hex and `-`. */
const afterAllOf = (prefix: string) => `${prefix}~`;

function categoryPageSize(value: number | null | undefined): number {
  if (value === null || value === undefined) return categoryPageLimits.defaultSize;
  if (!Number.isSafeInteger(value) || value < 0 || value > categoryPageLimits.maxSize) {
    throw new InvalidInputError(`first is an integer from 0 to ${categoryPageLimits.maxSize}.`, ['first']);
  }
  return value;
}

/** The first listing after the sort key `from` (exclusive), or null at the end. */
async function nextListing(ctx: ReadContext, from: string | undefined): Promise<ListingItem | null> {
  const { Items } = await ctx.gate.query({
    KeyConditionExpression: from === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :from',
    ExpressionAttributeValues: toItem({
      ':pk': streamListPk(ctx.tenant),
      ...(from === undefined ? {} : { ':from': from }),
    }),
    Limit: 1,
  });
  const item = Items?.[0];
  return item ? fromItem<ListingItem>(item) : null;
}

/** Whether the restriction lets the caller see some stream of `category` (reads only when it must). */
async function holdsAllowedStream(
  ctx: ReadContext,
  category: string,
  restriction: StreamRestriction | null,
): Promise<boolean> {
  if (restriction === null || restriction.categories?.has(category)) return true;
  if (restriction.streamIds === null || restriction.streamIds.size === 0) return false;
  const allowed = (listing: ListingItem) => restriction.allows({ id: listing.streamId, category });
  const found = await readListings(ctx, 1, streamListCategoryPrefix(category), undefined, allowed);
  return found.length > 0;
}

export async function listCategories(
  ctx: ReadContext,
  options: ListCategoriesOptions = {},
): Promise<Page<string>> {
  const first = categoryPageSize(options.first);
  let from = options.after ? afterAllOf(decodeStringCursor(options.after, 'k', ['after'])) : undefined;
  const edges: Edge<string>[] = [];
  let hasNextPage = false;
  while (!hasNextPage) {
    const listing = await nextListing(ctx, from);
    if (listing === null || listing.category === null) break;
    const prefix = streamListCategoryPrefix(listing.category);
    from = afterAllOf(prefix);
    if (!(await holdsAllowedStream(ctx, listing.category, options.restriction ?? null))) continue;
    if (edges.length === first) hasNextPage = true;
    else edges.push({ cursor: encodeCursor('k', prefix), node: listing.category });
  }
  return { edges, hasNextPage, hasPreviousPage: options.after !== undefined && options.after !== null };
}
