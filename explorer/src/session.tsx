/**
 * The signed-in session every view uses: the credential, who it is (Query.viewer), and the
 * client bound to it. Views call `useSession()`; nothing else reads the credential.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ExplorerViewerQuery, TypedDocumentString } from '../generated/graphql';
import { execute, type SubscriptionSink, subscribe } from './api';

export type Viewer = ExplorerViewerQuery['viewer'];

export interface Session {
  readonly credential: string | null;
  readonly viewer: Viewer;
  can(scope: string): boolean;
  execute<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult>;
  subscribe<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
    sink: SubscriptionSink<TResult>,
  ): () => void;
}

export function createSession(credential: string | null, viewer: Viewer): Session {
  return {
    credential,
    viewer,
    can: (scope) => viewer.scopes.includes(scope),
    execute: (document, variables) => execute(document, variables, credential),
    subscribe: (document, variables, sink) => subscribe(document, variables, credential, sink),
  };
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in explorer');
  return session;
}
