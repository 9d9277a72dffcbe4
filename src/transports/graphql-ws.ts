/**
 * GraphQL over WebSocket (the graphql-transport-ws protocol of `graphql-ws`) on the app's HTTP
 * server and path, as a thin adapter: every operation goes through `yoga.getEnveloped`, so
 * it gets the same context factory (src/context.ts), plugins (limits, metrics), parsing,
 * validation and error masking as HTTP. It knows nothing of subscriptions themselves: the
 * resolvers (src/schema/subscriptions.ts) get async iterators from the hub in the context.
 *
 * - Auth: `connectionParams.authorization` ("Bearer <key>") is checked at `connection_init`; a
 *   missing or wrong key closes the socket with 4403 Forbidden before any operation runs (a
 *   subscribe before the acknowledgement is closed with 4401 by graphql-ws).
 * - Expiry: a connection whose principal expires (a token's `exp`) is closed with 4403 at that
 *   instant, without clock tolerance; the client reconnects with a fresh token and `after`.
 * - Keep-alive: a WebSocket ping every `keepAliveMs`; a peer that does not answer within the
 *   next interval is dropped (its subscriptions end, freeing their buffers).
 * - Shutdown (`close()`, after the app has closed the subscription hub): waits until every
 *   operation has sent its `complete`, then closes each socket with 1001 Going Away.
 */
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { atExpiry } from '../auth/expiry.js';
import type { Principal } from '../auth/principal.js';
import { ApiErrorCode } from '../errors/codes.js';
import { maskError } from '../errors/mask-error.js';
import { resolveTrustedDocument } from '../plugins/trusted-documents.js';
import { scopeError } from '../plugins/use-scopes.js';
import { limitMessages } from './message-limits.js';
import type { Transport, TransportContext, TransportFactory } from './types.js';
import { wsOperationLog } from './ws-operation-log.js';

export interface GraphqlWsOptions {
  /** Interval of WebSocket pings (and how long a pong may take). Default 12 s. */
  keepAliveMs?: number;
  /** How long a socket may take to send `connection_init`. Default 3 s. */
  connectionInitWaitTimeoutMs?: number;
  /** On shutdown: how long running operations may take to complete before their sockets close. Default 5 s. */
  completeGraceMs?: number;
  /** On shutdown: how long a peer may take to answer the close handshake before it is cut. Default 1 s. */
  closeGraceMs?: number;
}

export const defaultGraphqlWsOptions = Object.freeze({
  keepAliveMs: 12_000,
  connectionInitWaitTimeoutMs: 3_000,
  completeGraceMs: 5_000,
  closeGraceMs: 1_000,
});

/** The protocol's close codes that this transport uses. */
export const wsCloseCodes = Object.freeze({ goingAway: 1001, forbidden: 4403 });

type ConnectionParams = Record<string, unknown>;
type Connection = WsContext<ConnectionParams, Extra>;

/** Yoga's enveloped execute/subscribe travel to graphql-ws' executor as the root value. */
interface EnvelopedRoot {
  execute(args: ExecutionArgs): unknown;
  subscribe(args: ExecutionArgs): unknown;
}

export function graphqlWsTransport(options: GraphqlWsOptions = {}): TransportFactory {
  const settings = { ...defaultGraphqlWsOptions, ...options };
  return ({
    server,
    yoga,
    graphqlEndpoint,
    auth,
    limits,
    logger,
    trustedDocuments,
    onAccessRefused,
    onOperation,
  }: TransportContext): Transport => {
    // ws closes a larger message with 1009 before anyone parses it (its default allows 100 MiB).
    const wss = new WebSocketServer({ server, path: graphqlEndpoint, maxPayload: limits.maxBodyBytes });
    // Each accepted connection, with the principal its credentials named (decided once, at connect).
    const connections = new Map<Connection, Principal>();
    // The expiry timers of connections whose principal expires.
    const expiries = new Map<Connection, () => void>();
    const operations = wsOperationLog(logger);
    /** The principal of the connection an operation arrived on, counted in the metrics. */
    const arrived = (connection: Connection): Principal | null => {
      const caller = connections.get(connection) ?? null;
      if (caller) onOperation?.(caller);
      return caller;
    };
    let closing = false;
    // Registered before graphql-ws' own listener: a socket that arrives during shutdown goes at
    // once, and an oversized connection_init is refused before it is parsed.
    wss.on('connection', (socket) => {
      if (closing) socket.close(wsCloseCodes.goingAway, 'Going away');
      else
        limitMessages(socket, (error) =>
          logger.debug(
            `WebSocket: closed a connection that broke the protocol (${(error as Error).message}).`,
          ),
        );
    });

    useServer<ConnectionParams>(
      {
        // In production mode graphql-ws never puts an internal error's message in a close reason.
        isProd: true,
        connectionInitWaitTimeout: settings.connectionInitWaitTimeoutMs,
        execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
        subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
        onConnect: async (connection) => {
          if (closing) return false;
          const authentication = await auth.of({ connectionParams: connection.connectionParams ?? {} });
          // 4403 Forbidden
          if (!authentication.ok) {
            onAccessRefused?.(authentication.reason);
            logger.info({ msg: 'connection refused', transport: 'ws', refused: authentication.reason });
            return false;
          }
          if (!mayOpen(authentication.principal, connection)) return false;
          const { principal } = authentication;
          connections.set(connection, principal);
          if (principal.expiresAt !== null) {
            const { socket } = connection.extra;
            const expire = () => socket.close(wsCloseCodes.forbidden, 'Forbidden: the token has expired');
            expiries.set(connection, atExpiry(principal.expiresAt, expire));
          }
          return true;
        },
        onClose: (connection) => {
          connections.delete(connection);
          expiries.get(connection)?.();
          expiries.delete(connection);
        },
        onSubscribe: async (connection, id, payload) => {
          const caller = arrived(connection);
          // graphql-ws registers the operation before this hook: the count includes it.
          if (Object.keys(connection.subscriptions).length > limits.maxSubscriptionsPerConnection) {
            operations.started(connection, id, caller, null);
            return operations.refuse(connection, id, [
              new GraphQLError(
                `This connection has ${limits.maxSubscriptionsPerConnection} open operations, the most it may hold.`,
                {
                  extensions: {
                    code: ApiErrorCode.subscriptionLimit,
                    limit: limits.maxSubscriptionsPerConnection,
                  },
                },
              ),
            ]);
          }
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            connectionParams: connection.connectionParams ?? {},
            // The upgrade request, for plugins that want to see it (not a Fetch Request).
            req: connection.extra.request,
            params: payload,
          });
          const document = parseOperation(
            parse,
            resolveTrustedDocument(trustedDocuments, connections.get(connection), payload),
          );
          if (document instanceof GraphQLError) {
            operations.started(connection, id, caller, null);
            return operations.refuse(connection, id, [document]);
          }
          operations.started(connection, id, caller, document, payload.operationName);
          const refusal = refusalOf(
            validate(schema, document),
            scopeError(connections.get(connection), document, payload.operationName),
            () => onAccessRefused?.('forbidden'),
          );
          if (refusal) return operations.refuse(connection, id, refusal);
          const root: EnvelopedRoot = { execute, subscribe };
          return {
            schema,
            document,
            operationName: payload.operationName ?? null,
            variableValues: payload.variables ?? null,
            contextValue: await contextFactory(),
            rootValue: root,
          };
        },
        // Yoga masks what its execute/subscribe return; an error thrown while a subscription
        // is streaming reaches graphql-ws directly, so mask here too: never a stack or internal.
        onError: (connection, id, _payload, errors) => {
          const masked = errors.map((error) =>
            (maskError(error, 'Unexpected error.') as GraphQLError).toJSON(),
          );
          // An error message ends the operation without a `complete`.
          operations.answered(connection, id, masked);
          operations.completed(connection, id);
          return masked;
        },
        onOperation: (connection, id) => operations.streaming(connection, id),
        onNext: (connection, id, _payload, _args, result) => {
          operations.answered(connection, id, result.errors);
        },
        onComplete: (connection, id) => operations.completed(connection, id),
      },
      wss,
      settings.keepAliveMs,
    );

    return {
      async close() {
        closing = true;
        // The hub has completed every subscription: wait until graphql-ws has sent their
        // `complete` (it forgets an operation once that is sent), then say goodbye.
        const deadline = Date.now() + settings.completeGraceMs;
        while (Date.now() < deadline && [...connections.keys()].some(hasOperations)) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
        for (const socket of wss.clients) socket.close(wsCloseCodes.goingAway, 'Going away');
        const cut = setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
        }, settings.closeGraceMs);
        await closed;
        clearTimeout(cut);
      },
    };
  };
}

/** Whether a connection opens for `principal`, whose credentials were just accepted. */
function mayOpen(principal: Principal, connection: Connection): boolean {
  const { socket } = connection.extra;
  // Gone while its credentials were checked: its onClose has run, keep nothing of it.
  if (socket.readyState !== socket.OPEN) return false;
  // Clock tolerance may accept a token just past `exp`; it never opens a connection.
  return principal.expiresAt === null || principal.expiresAt.getTime() > Date.now();
}

function hasOperations(connection: Connection): boolean {
  return Object.keys(connection.subscriptions).length > 0;
}

/** Why an operation may not run: invalid (first), or beyond the principal's scopes; null: it may. */
function refusalOf(
  invalid: readonly GraphQLError[],
  forbidden: GraphQLError | null,
  onForbidden: () => void,
): readonly GraphQLError[] | null {
  if (invalid.length > 0) return invalid;
  if (forbidden === null) return null;
  onForbidden();
  return [forbidden];
}

/** The operation's document, or the error that refuses it (an untrusted or unparsable text). */
function parseOperation(
  parse: (source: string) => DocumentNode,
  text: string | GraphQLError,
): DocumentNode | GraphQLError {
  if (text instanceof GraphQLError) return text;
  try {
    return parse(text);
  } catch (error) {
    return error as GraphQLError;
  }
}
