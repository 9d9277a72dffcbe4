/**
 * What clients see of an error. Store errors that mean "your input" keep their message
 * (it names no internals); an unavailable store becomes a retryable STORE_UNAVAILABLE error, a
 * spent read budget RATE_LIMITED (HTTP 429 with Retry-After);
 * anything else becomes yoga's generic "Unexpected error." Never a stack trace: development
 * mode, which would attach the original error, is never used, and no internal error's name or
 * text reaches a client.
 */
import { GraphQLError, type GraphQLErrorOptions } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import { isEventStoreError, RateLimitedError } from '../store/errors.js';
import { ApiErrorCode, retryAfterSeconds } from './codes.js';

export const storeUnavailableMessage = 'The event store is unavailable; retry later.';

export function maskError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (isEventStoreError(original)) {
    const where = error instanceof GraphQLError ? locationOf(error) : {};
    if (original.code === 'STORE_UNAVAILABLE') {
      return createGraphQLError(storeUnavailableMessage, {
        ...where,
        extensions: { code: ApiErrorCode.storeUnavailable, retryable: true },
      });
    }
    if (original instanceof RateLimitedError) {
      const seconds = retryAfterSeconds(original.retryAfterMs);
      return createGraphQLError(original.message, {
        ...where,
        extensions: {
          code: ApiErrorCode.rateLimited,
          retryable: true,
          retryAfterSeconds: seconds,
          http: { status: 429, headers: { 'retry-after': String(seconds) } },
        },
      });
    }
    const extensions: Record<string, unknown> = {
      code: original.code === 'INVALID_INPUT' ? ApiErrorCode.badUserInput : original.code,
    };
    if ('path' in original && Array.isArray(original.path) && original.path.length > 0) {
      extensions.inputPath = original.path;
    }
    return createGraphQLError(original.message, { ...where, extensions });
  }
  return withoutInternals(yogaMaskError(error, message, false));
}

/**
 * Yoga's request parser reports bad JSON with `extensions.originalError` (the parser's error
 * name and text): an internal detail, removed here like any other.
 */
/** Where in the operation an error arose, as far as it says. */
function locationOf(error: GraphQLError): Pick<GraphQLErrorOptions, 'nodes' | 'path'> {
  return { ...(error.nodes ? { nodes: error.nodes } : {}), ...(error.path ? { path: error.path } : {}) };
}

function withoutInternals(error: Error): Error {
  if (!(error instanceof GraphQLError) || !('originalError' in error.extensions)) return error;
  const { originalError: _internal, ...extensions } = error.extensions;
  return createGraphQLError(error.message, { ...locationOf(error), extensions });
}
