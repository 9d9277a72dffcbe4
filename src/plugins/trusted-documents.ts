/**
 * Trusted documents (the access part of the API contract): with EVENTLOOM_TRUSTED_DOCUMENTS,
 * a principal without the `manage` scope may run only those documents, named by id:
 * `documentId`, or `extensions.persistedQuery.sha256Hash` (automatic persisted queries, bare
 * hex matching `sha256:<hex>` or `<hex>`). A document sent as text is refused, even one whose
 * text is in the file. Over HTTP and SSE through yoga's persisted-operations plugin; graphql-ws
 * resolves its payloads with `resolveTrustedDocument`.
 */
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { Authentication, Principal } from '../auth/principal.js';
import type { TrustedDocuments } from '../config/trusted-documents.js';
import { ApiErrorCode } from '../errors/codes.js';

/** The id a request names its document by, or null. */
export function trustedDocumentId(params: {
  documentId?: unknown;
  extensions?: Record<string, unknown> | null | undefined;
}): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const persisted = params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : null;
}

/** The text of the document `id` names: `sha256:<hex>` and `<hex>` name the same document. */
export function trustedDocumentText(documents: TrustedDocuments, id: string): string | null {
  const bare = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return documents.get(id) ?? documents.get(`sha256:${bare}`) ?? documents.get(bare) ?? null;
}

/** May this principal send documents as text? Only with `manage`. */
export function mayRunArbitrary(principal: Principal | undefined): boolean {
  return principal?.scopes.has('manage') === true;
}

/**
 * Over graphql-ws: the text to run for a subscribe payload, or the FORBIDDEN error. A payload
 * names its document by `documentId` (or the APQ extension) with an empty `query`, since
 * graphql-ws requires the field.
 */
export function resolveTrustedDocument(
  documents: TrustedDocuments | null | undefined,
  principal: Principal | undefined,
  payload: { query: string; extensions?: Record<string, unknown> | null | undefined; documentId?: unknown },
): string | GraphQLError {
  if (!documents || mayRunArbitrary(principal)) return payload.query;
  if (payload.query.trim() !== '') return forbiddenError(onlyTrusted);
  const id = trustedDocumentId(payload);
  if (id === null) return forbiddenError(nameOne);
  return trustedDocumentText(documents, id) ?? forbiddenError(unknownId);
}

const onlyTrusted = 'Only trusted documents may run here: send the documentId, not the document.';
const nameOne = 'Only trusted documents may run here: name one with documentId.';
const unknownId = 'No trusted document has this id.';

function forbiddenError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ApiErrorCode.forbidden, http: { status: 403 } } });
}

export function useTrustedDocuments(
  documents: TrustedDocuments,
  authenticate: (request: Request) => Promise<Authentication>,
): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => trustedDocumentText(documents, id),
    extractPersistedOperationId: (params) =>
      trustedDocumentId(params as GraphQLParams & { documentId?: unknown }),
    allowArbitraryOperations: async (request) => {
      const authentication = await authenticate(request);
      return authentication.ok && mayRunArbitrary(authentication.principal);
    },
    customErrors: {
      persistedQueryOnly: () => forbiddenError(onlyTrusted),
      keyNotFound: () => forbiddenError(nameOne),
      notFound: () => forbiddenError(unknownId),
    },
  });
}
