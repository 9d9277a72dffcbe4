/**
 * The `extensions.code` values the API answers with, in one place. Store errors keep their
 * own codes (src/store/errors.ts) and are mapped onto these by `maskError`.
 */
export const ApiErrorCode = Object.freeze({
  badUserInput: 'BAD_USER_INPUT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  rateLimited: 'RATE_LIMITED',
  subscriptionLimit: 'SUBSCRIPTION_LIMIT',
  shuttingDown: 'SHUTTING_DOWN',
  storeUnavailable: 'STORE_UNAVAILABLE',
  streamNotFound: 'STREAM_NOT_FOUND',
  pageSizeExceeded: 'PAGE_SIZE_EXCEEDED',
  parseFailed: 'GRAPHQL_PARSE_FAILED',
  internal: 'INTERNAL_SERVER_ERROR',
} as const);

export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** `Retry-After` for a wait in milliseconds: whole seconds, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
