/**
 * Per-key rate limit for mutations: each API key (or, without keys, each tenant) spends a
 * token per mutation operation; without tokens the request gets HTTP 429 with a
 * RATE_LIMITED error and Retry-After, and nothing runs. Queries and subscriptions are not
 * limited here (subscriptions have their own caps).
 */
import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { authorizationOf } from '../auth/authenticator.js';
import type { GraphQLContext } from '../context.js';
import { ApiErrorCode, retryAfterSeconds } from '../errors/codes.js';
import type { RateLimiter } from './rate-limiter.js';

export function useRateLimit(limiter: RateLimiter, onLimited?: () => void): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (operation?.operation !== 'mutation') return;
      const context = args.contextValue as unknown as GraphQLContext & {
        request?: Request;
        connectionParams?: Record<string, unknown>;
      };
      // Over HTTP the key is in the request, over WebSocket in the connection's parameters.
      const key =
        authorizationOf({ request: context.request, connectionParams: context.connectionParams }) ??
        `tenant:${context.tenant}`;
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
