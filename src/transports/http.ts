/**
 * GraphQL over HTTP (and SSE): yoga with the gateway's plugins, on Node's HTTP server. The
 * server's own lifecycle helpers live here too: listening, the public URL, and draining the
 * connections on shutdown.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { RequestAuth } from '../auth/request-auth.js';
import type { CorsConfig } from '../config/cors.js';
import type { TrustedDocuments } from '../config/trusted-documents.js';
import { type ConsumerServices, createContextFactory, type GraphQLContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { yogaLogging } from '../observability/yoga-logging.js';
import type { ApiLimits } from '../plugins/api-limits.js';
import { corsOptions } from '../plugins/cors.js';
import { graphiqlOptions } from '../plugins/graphiql.js';
import type { RatePolicy } from '../plugins/rate-limiter.js';
import { RateLimiter } from '../plugins/rate-limiter.js';
import { useTrustedDocuments } from '../plugins/trusted-documents.js';
import { useAuth } from '../plugins/use-auth.js';
import { useBodyLimit } from '../plugins/use-body-limit.js';
import { useCompression } from '../plugins/use-compression.js';
import { useErrorMasking } from '../plugins/use-error-masking.js';
import { useExplorer } from '../plugins/use-explorer.js';
import { useGraphiQLPage } from '../plugins/use-graphiql-page.js';
import { useHealthz } from '../plugins/use-healthz.js';
import { useLimits } from '../plugins/use-limits.js';
import { useObservability } from '../plugins/use-observability.js';
import { useProbes } from '../plugins/use-probes.js';
import { useRateLimit } from '../plugins/use-rate-limit.js';
import { useScopes } from '../plugins/use-scopes.js';
import { useTokenExpiry } from '../plugins/use-token-expiry.js';
import { schema } from '../schema/index.js';
import type { EventStore } from '../store/index.js';
import type { SubscriptionHub } from '../subscriptions/index.js';
import { boundedDocumentCache } from './document-cache.js';
import type { Yoga } from './types.js';

export const graphqlEndpoint = '/graphql';

/** Slow clients: headers in 10 s, the request in 30 s; SSE and WebSocket streams are not cut. */
const serverTimeouts = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 };

export interface HttpParts {
  store: EventStore;
  subscriptions: SubscriptionHub;
  consumers: ConsumerServices;
  auth: RequestAuth;
  limits: ApiLimits;
  metrics: Metrics;
  logger: Logger;
  mutationRate: RatePolicy;
  /** EVENTLOOM_CORS_ORIGINS (src/plugins/cors.ts). */
  cors?: CorsConfig;
  /** EVENTLOOM_TRUSTED_DOCUMENTS (src/plugins/trusted-documents.ts). */
  trustedDocuments?: TrustedDocuments | null;
  /** The tenant whose head `/healthz` reads. */
  healthTenant: string;
  /** Whether `/readyz` answers ready. */
  ready(): boolean;
}

/** Yoga at /graphql with every plugin, in the order they must see a request. */
export function createHttpYoga(parts: HttpParts): Yoga {
  const { store, subscriptions, consumers, auth, limits, metrics, logger } = parts;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint,
    context: createContextFactory({ store, auth, limits, subscriptions, consumers }),
    // Enforced by useBodyLimit, which counts only bodies without a Content-Length.
    maxRequestBodySize: false,
    cors: corsOptions(parts.cors),
    // Parsed documents are cached only while small and few (document-cache.ts).
    parserAndValidationCache: {
      documentCache: boundedDocumentCache(),
      errorCache: boundedDocumentCache(),
      validationCache: true,
    },
    landingPage: false,
    logging: yogaLogging(logger),
    // Served by useGraphiQLPage, built once and compressed; yoga never renders it.
    graphiql: false,
    maskedErrors: useErrorMasking(logger),
    plugins: [
      useGraphiQLPage(graphqlEndpoint, () => renderGraphiQL(graphiqlOptions(auth.authenticator.required))),
      useExplorer(),
      useProbes({ ready: parts.ready }),
      useHealthz(
        async () => {
          await store.forTenant(parts.healthTenant).headPosition();
        },
        (error) => logger.debug('healthz: DynamoDB did not answer.', error),
      ),
      useObservability(metrics, logger, {
        graphql: graphqlEndpoint,
        principalOf: (request) => auth.ofRequest(request),
      }),
      useAuth(auth, graphqlEndpoint, (reason) => metrics.accessRefused.inc({ reason, transport: 'http' })),
      useBodyLimit(limits.maxBodyBytes),
      ...(parts.trustedDocuments ? [useTrustedDocuments(parts.trustedDocuments, auth.ofRequest)] : []),
      useScopes(() => metrics.accessRefused.inc({ reason: 'forbidden', transport: 'http' })),
      useLimits(limits),
      useRateLimit(new RateLimiter(parts.mutationRate), () =>
        metrics.rateLimited.inc({ limit: 'mutations' }),
      ),
      useTokenExpiry(),
      // Last: it compresses the response the plugins above have made.
      useCompression(),
    ],
  });
}

export function createHttpServer(yoga: Yoga): Server {
  return createServer(serverTimeouts, yoga);
}

/** Listens; resolves with the bound port. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The URL a person on this machine opens (a wildcard address is shown as localhost). */
export function graphqlUrl(host: string, port: number): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const shown = bracketed === '0.0.0.0' || bracketed === '[::]' ? 'localhost' : bracketed;
  return `http://${shown}:${port}${graphqlEndpoint}`;
}

/**
 * Resolves once the server is closed: keep-alive connections go as soon as their in-flight
 * request is answered; whatever is still busy after `graceMs` is cut.
 */
export async function drain(server: Server, closed: Promise<void>, graceMs: number): Promise<void> {
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  const grace = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(grace);
}
