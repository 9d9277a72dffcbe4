/**
 * Scopes, enforced in one place for HTTP, SSE and WebSocket: every operation's root fields
 * are checked against the principal's scopes (field-scopes.ts) before any resolver runs. A
 * field the principal lacks the scope for refuses the whole operation with FORBIDDEN, no data,
 * and nothing written; over WebSocket the connection stays open for other operations.
 */
import { type DocumentNode, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../auth/principal.js';
import { ApiErrorCode } from '../errors/codes.js';
import { refusedField } from './field-scopes.js';

interface OperationArgs {
  document: DocumentNode;
  contextValue: unknown;
  operationName?: string | null;
}

/** The FORBIDDEN error for an operation the principal may not run, or null when it may. */
export function scopeError(
  principal: Principal | undefined,
  document: DocumentNode,
  operationName: string | null | undefined,
): GraphQLError | null {
  // No principal, no field: the context factory refuses unauthenticated callers first.
  const refusal = refusedField(document, operationName, principal?.scopes ?? new Set());
  if (refusal === null) return null;
  const needs = refusal.scope === null ? 'is not open to any scope' : `needs the "${refusal.scope}" scope`;
  return new GraphQLError(`Forbidden: ${refusal.field} ${needs}, which this key or token does not have.`, {
    extensions: {
      code: ApiErrorCode.forbidden,
      ...(refusal.scope === null ? {} : { scope: refusal.scope }),
      http: { status: 403 },
    },
  });
}

/**
 * Over HTTP and SSE, as a yoga plugin. (graphql-ws refuses with `scopeError` in its own
 * onSubscribe, so that the client gets an `error` message for the operation.)
 */
export function useScopes(onRefused?: () => void): Plugin {
  const check = (args: OperationArgs): GraphQLError | null => {
    const principal = (args.contextValue as { principal?: Principal }).principal;
    const error = scopeError(principal, args.document, args.operationName);
    if (error) onRefused?.();
    return error;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
