/**
 * Which scope each root field needs (the access part of the API contract). The rule is
 * applied to the operation's root fields, fragments included, before any resolver runs; a
 * root field missing from this table is refused for everyone (fail closed), and a test checks
 * that every root field of the schema is listed.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Scope } from '../auth/principal.js';

type OperationType = OperationDefinitionNode['operation'];

/** null: no scope needed. */
export const fieldScopes: Readonly<Record<OperationType, Readonly<Record<string, Scope | null>>>> = {
  query: {
    stream: 'read',
    streams: 'read',
    categories: 'read',
    events: 'read',
    head: 'read',
    viewer: null,
    consumer: 'manage',
    consumers: 'manage',
  },
  subscription: {
    events: 'subscribe',
    eventBatches: 'subscribe',
    streamEvents: 'subscribe',
    consume: 'consume',
  },
  mutation: {
    appendEvents: 'append',
    appendToStreams: 'append',
    saveSnapshot: 'snapshot',
    deleteStream: 'delete',
    createConsumer: 'manage',
    deleteConsumer: 'manage',
    resetConsumer: 'manage',
    replayParked: 'manage',
    ackEvents: 'consume',
    nackEvents: 'consume',
  },
};

/** Introspection and `__typename` need no scope. */
const isMeta = (name: string) => name.startsWith('__');

export interface ScopeRefusal {
  field: string;
  /** The scope the field needs; null when the field is unknown to the table. */
  scope: Scope | null;
}

/** The first root field of the operation that `granted` does not allow, or null when all are allowed. */
export function refusedField(
  document: DocumentNode,
  operationName: string | null | undefined,
  granted: ReadonlySet<Scope>,
): ScopeRefusal | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null; // graphql-js refuses it before anything runs
  const table = fieldScopes[operation.operation];
  for (const field of rootFields(document, operation.selectionSet)) {
    if (isMeta(field)) continue;
    const scope = table[field];
    if (scope === undefined) return { field, scope: null };
    if (scope !== null && !granted.has(scope)) return { field, scope };
  }
  return null;
}

/** The names of the fields selected at the root, through inline fragments and fragment spreads. */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode): Set<string> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fields = new Set<string>();
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return fields;
}
