/** What the app gives a transport that shares its HTTP server (src/transports/graphql-ws.ts). */
import type { Server } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Principal, RefusalReason } from '../auth/principal.js';
import type { RequestAuth } from '../auth/request-auth.js';
import type { TrustedDocuments } from '../config/trusted-documents.js';
import type { GraphQLContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import type { ApiLimits } from '../plugins/api-limits.js';
import type { EventStore } from '../store/index.js';

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** What a transport sharing the HTTP server gets to work with. */
export interface TransportContext {
  readonly server: Server;
  readonly yoga: Yoga;
  readonly graphqlEndpoint: string;
  readonly auth: RequestAuth;
  readonly store: EventStore;
  readonly logger: Logger;
  readonly limits: ApiLimits;
  /** EVENTLOOM_TRUSTED_DOCUMENTS, which graphql-ws enforces as HTTP does (src/plugins/trusted-documents.ts). */
  readonly trustedDocuments?: TrustedDocuments | null;
  /** Counts a refused connection (why its credentials failed) or an operation beyond its scopes. */
  readonly onAccessRefused?: (reason: RefusalReason | 'forbidden') => void;
  /** Counts an operation that arrived on an accepted connection, by its principal. */
  readonly onOperation?: (principal: Principal) => void;
}

/** A transport attached to the HTTP server, e.g. graphql-ws on the same path. */
export interface Transport {
  /** Completes its operations and closes its connections; called first on shutdown. */
  close(): Promise<void>;
}

export type TransportFactory = (context: TransportContext) => Transport | Promise<Transport>;
