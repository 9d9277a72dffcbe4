/**
 * Connection helpers shared by the families: page-size checks with a clear error, and the
 * store's pages turned into the connection shape the relay plugin's types expect.
 */
import { createGraphQLError } from 'graphql-yoga';
import { ApiErrorCode } from '../errors/codes.js';
import type { ApiLimits } from '../plugins/api-limits.js';
import type { Page } from '../store/types.js';

export interface PageArgs {
  first?: number | null | undefined;
  last?: number | null | undefined;
}

/** Refuses `first`/`last` outside 0..maxPageSize before the store is asked. */
export function checkPageSize(args: PageArgs, limits: ApiLimits): void {
  for (const name of ['first', 'last'] as const) {
    const size = args[name];
    if (size !== null && size !== undefined && (size < 0 || size > limits.maxPageSize)) {
      throw createGraphQLError(
        `"${name}" must be from 0 to ${limits.maxPageSize} (the largest page); got ${size}. Without it a page holds ${limits.defaultPageSize}.`,
        { extensions: { code: ApiErrorCode.pageSizeExceeded, maxPageSize: limits.maxPageSize } },
      );
    }
  }
  if (args.first != null && args.last != null) {
    throw createGraphQLError('Give "first" (paging forward) or "last" (paging backward), not both.', {
      extensions: { code: ApiErrorCode.badUserInput },
    });
  }
}

export function pageSizeDescription(limits: ApiLimits): string {
  return `at most ${limits.maxPageSize}; ${limits.defaultPageSize} when omitted`;
}

export function toConnection<T>(page: Page<T> & { lastPosition?: number }) {
  return {
    lastPosition: page.lastPosition ?? null,
    edges: page.edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.edges[0]?.cursor ?? null,
      endCursor: page.edges.at(-1)?.cursor ?? null,
    },
  };
}
