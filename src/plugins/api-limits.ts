/**
 * The limits that protect the gateway, documented in the README. Append sizes come from the
 * store (src/store/limits.ts); these bound what one GraphQL request may ask for.
 */
import { maxLogEntriesExaminedPerRead, defaultLimits as storeLimits } from '../store/limits.js';

export interface ApiLimits {
  /** Largest `first`/`last` of a connection (the contract promises 1000). */
  maxPageSize: number;
  /** Page size of a connection without `first`/`last`. */
  defaultPageSize: number;
  /** Deepest selection nesting of an operation. */
  maxDepth: number;
  /**
   * Largest estimated cost of an operation: every field costs 1, and a connection multiplies
   * the cost of its selection by its page size (`first`/`last`, else the default page size).
   */
  maxCost: number;
  /**
   * What a filtered log read (`events` with a `filter`) costs on top of its selection: the log
   * entries it may examine to fill its page, so that a document cannot multiply such reads.
   */
  filteredReadCost: number;
  /** Most field selections in an operation, counted over the whole document. */
  maxBreadth: number;
  /** Largest HTTP request body; larger ones get HTTP 413. */
  maxBodyBytes: number;
  /**
   * Most lexical tokens in one document. Parsing stops there, so a hostile document (say,
   * thousands of nested selections) costs neither CPU nor the parser's stack.
   */
  maxTokens: number;
  /** Open subscriptions on one WebSocket connection. */
  maxSubscriptionsPerConnection: number;
  /** Open subscriptions of one tenant on one gateway (WebSocket and SSE together). */
  maxSubscriptionsPerTenant: number;
}

export const defaultApiLimits: ApiLimits = {
  maxPageSize: storeLimits.maxPageSize,
  defaultPageSize: storeLimits.defaultPageSize,
  maxDepth: 15,
  maxCost: 50_000,
  filteredReadCost: maxLogEntriesExaminedPerRead,
  maxBreadth: 500,
  maxBodyBytes: 2 * 1024 * 1024,
  maxTokens: 10_000,
  maxSubscriptionsPerConnection: 100,
  maxSubscriptionsPerTenant: 10_000,
};
