/**
 * Per-principal rate limit for mutations: each API key or token subject (or, without
 * credentials, the tenant) spends a token per mutation operation; without tokens the request gets HTTP 429 with a
 * RATE_LIMITED error and Retry-After, and nothing runs. Queries and subscriptions are not
 * limited here (subscriptions have their own caps).
 */
import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';
import { ApiErrorCode, retryAfterSeconds } from '../errors/codes.js';
import type { RateLimiter } from './rate-limiter.js';

export function useRateLimit(limiter: RateLimiter, onLimited?: () => void): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (operation?.operation !== 'mutation') return;
      const context = args.contextValue as unknown as GraphQLContext;
      // Per principal: a key, or a token's subject (all of its tokens share one budget), over
      // every transport; without credentials configured, the one anonymous principal.
      const key = `${context.tenant}/${context.principal.id}`;
      const result = limiter.take(key);
      if (result.allowed) return;
      onLimited?.();
      const seconds = retryAfterSeconds(result.retryAfterMs);
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`Too many mutations for this key: retry in ${seconds} s.`, {
            extensions: {
              code: ApiErrorCode.rateLimited,
              retryAfterSeconds: seconds,
              http: { status: 429, headers: { 'retry-after': String(seconds) } },
            },
          }),
        ],
      });
    },
  };
}
