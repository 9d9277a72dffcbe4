/**
 * Scalars: UUID, DateTime and JSON from graphql-scalars; Position is ours, a safe integer
 * sent as a JSON number (a string would force every client to convert log positions).
 */
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver, JSONResolver, UUIDResolver } from 'graphql-scalars';
import { builder } from '../builder.js';
import { ApiErrorCode } from '../errors/codes.js';

builder.addScalarType('UUID', UUIDResolver);
builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

const positionProblem = 'A Position is an integer from 0 to 2^53-1 (9007199254740991).';

function toPosition(value: unknown, valueNode?: ValueNode): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new GraphQLError(`${positionProblem} Got ${JSON.stringify(value) ?? String(value)}.`, {
      ...(valueNode ? { nodes: [valueNode] } : {}),
      extensions: { code: ApiErrorCode.badUserInput },
    });
  }
  return value;
}

builder.scalarType('Position', {
  description:
    "A position in a tenant's log: an integer from 0 to 2^53-1, serialized as a JSON number; 0 means before the first event.",
  serialize: (value) => toPosition(value),
  parseValue: (value) => toPosition(value),
  parseLiteral: (node) => {
    // Int literals are not limited to 32 bits here: GraphQL's lexer keeps their digits.
    if (node.kind !== Kind.INT) {
      throw new GraphQLError(
        `${positionProblem} Got a ${node.kind.replace('Value', '').toLowerCase()} literal.`,
        {
          nodes: [node],
          extensions: { code: ApiErrorCode.badUserInput },
        },
      );
    }
    return toPosition(Number(node.value), node);
  },
});
