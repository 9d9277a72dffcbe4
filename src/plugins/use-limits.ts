/**
 * Query limits: depth, breadth and estimated cost of every operation, checked before it runs,
 * with the request's variables (a page size given as a variable counts like a literal).
 * Field costs are declared in src/builder.ts. Page sizes are checked by the connection
 * resolvers (src/schema/pagination.ts), the body size by yoga's `maxRequestBodySize` (413),
 * append sizes by the store.
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import { type DocumentNode, GraphQLError, type GraphQLSchema, validate } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ApiErrorCode } from '../errors/codes.js';
import type { ApiLimits } from './api-limits.js';

interface OperationArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  contextValue: unknown;
  variableValues?: Readonly<Record<string, unknown>> | null;
  operationName?: string | null;
}

export function useLimits(limits: ApiLimits): Plugin {
  // Not a validation rule: yoga caches validation per document, but the cost depends on variables.
  const check = (args: OperationArgs): readonly GraphQLError[] =>
    validate(args.schema, args.document, [
      createComplexityRule({
        context: (args.contextValue ?? {}) as object,
        variableValues: { ...(args.variableValues ?? {}) },
        operationName: args.operationName ?? null,
        maxComplexity: limits.maxCost,
        maxDepth: limits.maxDepth,
        maxBreadth: limits.maxBreadth,
      }),
    ]);
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          // Deep nesting below maxTokens can still exhaust the parser's stack: a client error.
          if (error instanceof RangeError) {
            throw new GraphQLError('The document nests too deeply to parse.', {
              extensions: { code: ApiErrorCode.parseFailed, http: { status: 400 } },
            });
          }
          throw error;
        }
      });
    },
    onExecute({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}
