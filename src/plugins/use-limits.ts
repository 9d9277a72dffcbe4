/**
 * Query limits: depth, breadth and estimated cost of every operation, checked before it runs,
 * with the request's variables (a page size given as a variable counts like a literal).
 * Field costs are declared in src/builder.ts. Page sizes are checked by the connection
 * resolvers (src/schema/pagination.ts), the body size by useBodyLimit (413),
 * append sizes by the store.
 *
 * An operation passes or fails by its document alone when none of its variables feeds an
 * argument that a field's cost reads (`costArguments`: an append, `{ head }`, a page of fixed
 * size): such an operation is checked once per parsed document (yoga's parse cache hands back
 * the same document for the same text) and passes without the check afterwards.
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import { BREAK, type DocumentNode, GraphQLError, type GraphQLSchema, validate, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ApiErrorCode } from '../errors/codes.js';
import type { ApiLimits } from './api-limits.js';
import { costArguments } from './field-cost.js';

interface OperationArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  contextValue: unknown;
  variableValues?: Readonly<Record<string, unknown>> | null;
  operationName?: string | null;
}

/** Whether a variable appears inside an argument that a field's cost reads. */
function costReadsVariables(document: DocumentNode): boolean {
  let inCostArgument = 0;
  let reads = false;
  visit(document, {
    Argument: {
      enter: (node) => {
        if (costArguments.has(node.name.value)) inCostArgument++;
      },
      leave: (node) => {
        if (costArguments.has(node.name.value)) inCostArgument--;
      },
    },
    Variable: () => {
      if (inCostArgument === 0) return undefined;
      reads = true;
      return BREAK;
    },
  });
  return reads;
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
  // Per document: whether its cost reads variables, and the operations (by name) that passed.
  const documents = new WeakMap<DocumentNode, { readsVariables: boolean; passed: Set<string | null> }>();
  const checkOnce = (args: OperationArgs): readonly GraphQLError[] => {
    // Field costs read the context's limits: an operation with other limits is checked each time.
    if ((args.contextValue as { limits?: unknown } | null)?.limits !== limits) return check(args);
    let known = documents.get(args.document);
    if (!known) {
      known = { readsVariables: costReadsVariables(args.document), passed: new Set() };
      documents.set(args.document, known);
    }
    const operation = args.operationName ?? null;
    if (known.readsVariables) return check(args);
    if (known.passed.has(operation)) return [];
    const errors = check(args);
    if (errors.length === 0) known.passed.add(operation);
    return errors;
  };
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
      const errors = checkOnce(args);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = checkOnce(args);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}
