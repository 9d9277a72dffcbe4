/**
 * The gateway: graphql-yoga on Node's HTTP server, at /graphql (POST, GET, SSE, GraphiQL),
 * /healthz and /readyz, over the DynamoDB event store; /metrics on a listener of its own.
 * `buildApp` wires everything and returns `{ start, stop }`; src/main.ts only starts it.
 * Transports that share the HTTP server and path (graphql-ws for subscriptions, by default)
 * plug in through `transports` and build their contexts through `yoga.getEnveloped`, so HTTP
 * and WebSocket share one context factory (src/context.ts).
 */
import type { Server } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ConsumerRuntime, createConsumerRuntime } from './app-consumers.js';
import { type Authenticator, createAuthenticator, type TokenVerifier } from './auth/authenticator.js';
import { createJwtVerifier, type JwtVerifier } from './auth/jwt.js';
import { createRequestAuth } from './auth/request-auth.js';
import { type Config, defaultTenant } from './config.js';
import { createDynamoDbClient } from './dynamodb/client.js';
import { instrumentDynamoDb } from './observability/instrument-dynamodb.js';
import { createLogger, type Logger, toAppLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createMetricsServer } from './observability/metrics-server.js';
import { registerSubscriptionGauges } from './observability/subscription-gauges.js';
import { type ApiLimits, defaultApiLimits } from './plugins/api-limits.js';
import {
  createDynamoEventStore,
  type EventStore,
  RateLimitedError,
  type StoreObserver,
} from './store/index.js';
import { combineObservers } from './store/observers.js';
import { defaultReadBudget } from './store/read-budget.js';
import { SubscriptionHub } from './subscriptions/index.js';
import { graphqlWsTransport } from './transports/graphql-ws.js';
import {
  createHttpServer,
  createHttpYoga,
  drain,
  graphqlEndpoint,
  graphqlUrl,
  listen,
} from './transports/http.js';
import type { Transport, TransportFactory, Yoga } from './transports/types.js';

export type { Logger } from './observability/logger.js';
export { graphqlEndpoint } from './transports/http.js';
export type { Transport, TransportContext, TransportFactory, Yoga } from './transports/types.js';

export interface AppOptions {
  /** A DynamoDB client to use (tests inject one to count calls); else one is made from the config. */
  client?: DynamoDBClient;
  /** Told of commits by the store, beside the subscription hub (which wakes its poller), e.g. metrics. */
  observer?: StoreObserver;
  limits?: Partial<ApiLimits>;
  logger?: Logger;
  /** Transports sharing the HTTP server. Default: graphql-ws on the GraphQL path (src/transports/graphql-ws.ts). */
  transports?: readonly TransportFactory[];
  /** How long stop() lets in-flight requests finish before closing their connections. */
  shutdownGraceMs?: number;
  /**
   * Verifies tokens (JWTs) beside the API keys, overriding the configuration's verifier (tests
   * inject a fake one). Without it and without a configured JWKS: API keys only.
   */
  tokens?: TokenVerifier;
}

export interface App {
  readonly yoga: Yoga;
  readonly server: Server;
  readonly store: EventStore;
  /** The one subscription hub of this app: its pollers feed every subscription (stats for metrics). */
  readonly subscriptions: SubscriptionHub;
  /** Durable consumers: their store, this gateway's consume sessions, the webhook relay. */
  readonly consumers: ConsumerRuntime;
  readonly authenticator: Authenticator;
  /** The JWT verifier (its counters), when EVENTLOOM_JWKS_URL is configured. */
  readonly tokens: JwtVerifier | null;
  readonly limits: ApiLimits;
  /**
   * Creates the tables when missing, attaches the transports, listens. Resolves with the URL,
   * and the URL of /metrics when the configuration gives it a listener.
   */
  start(): Promise<{ url: string; port: number; metricsUrl: string | null }>;
  /** Stops accepting, lets in-flight requests and appends finish, then releases everything. */
  stop(): Promise<void>;
}

export function buildApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? toAppLogger(createLogger(config.operations.logLevel));
  const limits = apiLimitsOf(config, options);
  const client = options.client ?? createDynamoDbClient(config);
  const metrics = createMetrics();
  instrumentDynamoDb(client, metrics);
  const subscriptions = createHub(config, logger);
  const store = createStore(config, client, logger, [
    subscriptions.observer,
    metrics.storeObserver,
    options.observer,
  ]);
  const consumers = createConsumerRuntime({ config, client, store, hub: subscriptions, metrics, logger });
  const tokens = config.jwt ? createJwtVerifier(config.jwt, logger) : null;
  // options.tokens (tests) takes the place of the JWT verifier the config describes.
  const authenticator = createAuthenticator(config.apiKeys, options.tokens ?? tokens);
  const auth = createRequestAuth(authenticator);
  let ready = false;
  const yoga = createHttpYoga({
    store,
    subscriptions,
    consumers: consumers.services,
    auth,
    limits,
    metrics,
    logger,
    mutationRate: config.operations.mutationRate,
    ...(config.cors ? { cors: config.cors } : {}),
    trustedDocuments: config.trustedDocuments ?? null,
    healthTenant: authenticator.tenants[0] ?? defaultTenant,
    ready: () => ready,
  });
  registerSubscriptionGauges(metrics, subscriptions);
  const metricsServer = createMetricsServer(metrics);
  const server = createHttpServer(yoga);
  const transports: Transport[] = [];
  let started = false;
  let stopping: Promise<void> | null = null;

  return {
    yoga,
    server,
    store,
    subscriptions,
    consumers,
    authenticator,
    tokens,
    limits,

    async start() {
      if (started) throw new Error('the app was already started');
      started = true;
      await store.ensureTables();
      for (const attach of options.transports ?? [graphqlWsTransport()]) {
        const trustedDocuments = config.trustedDocuments ?? null;
        transports.push(
          await attach({
            server,
            yoga,
            graphqlEndpoint,
            auth,
            store,
            logger,
            limits,
            trustedDocuments,
            onAccessRefused: (reason) => metrics.accessRefused.inc({ reason, transport: 'ws' }),
            onOperation: (principal) => metrics.countOperation(principal.tenant, principal.kind, 'ws'),
          }),
        );
      }
      const port = await listen(server, config.port, config.host);
      const metricsUrl = config.metrics ? await metricsServer.start(config.metrics) : null;
      // The relay starts once the gateway serves: it competes for its tenants' webhook consumers.
      consumers.start();
      ready = true;
      announceAuth(logger, authenticator, config);
      return { url: graphqlUrl(config.host, port), port, metricsUrl };
    },

    stop() {
      stopping ??= (async () => {
        ready = false;
        const closed = server.listening
          ? new Promise<void>((resolveClose) => server.close(() => resolveClose()))
          : Promise.resolve();
        // The relay and the consume sessions save their checkpoints and release their leases
        // while the store still works, so that another gateway takes their consumers over at once.
        await consumers.stop();
        // Subscriptions next: completing them ends their SSE responses and has graphql-ws send
        // `complete`; then the transports close their sockets, which would keep the server open.
        await subscriptions.close();
        await Promise.allSettled(transports.map((transport) => transport.close()));
        await drain(server, closed, options.shutdownGraceMs ?? 10_000);
        // Requests are done; appends handed to the committer finish before close() resolves.
        await store.close();
        await metricsServer.stop();
        if (options.client === undefined) client.destroy();
      })();
      return stopping;
    },
  };
}

function apiLimitsOf(config: Config, options: AppOptions): ApiLimits {
  return {
    ...defaultApiLimits,
    maxSubscriptionsPerConnection: config.operations.maxSubscriptionsPerConnection,
    maxSubscriptionsPerTenant: config.operations.maxSubscriptionsPerTenant,
    ...options.limits,
  };
}

function createHub(config: Config, logger: Logger): SubscriptionHub {
  return new SubscriptionHub({
    ...(config.subscriptionPoll ? { poll: config.subscriptionPoll } : {}),
    // A spent read budget is the tenant's own load, counted in metrics, not a failure to log.
    onReadError: (error, { tenant, reader }) => {
      if (error instanceof RateLimitedError) return;
      logger.warn(`subscriptions: a ${reader} log read for tenant ${tenant} failed; retrying.`, error);
    },
  });
}

function createStore(
  config: Config,
  client: DynamoDBClient,
  logger: Logger,
  observers: readonly (StoreObserver | undefined)[],
): EventStore {
  return createDynamoEventStore({
    client,
    tablePrefix: config.tablePrefix,
    readBudget: { ...defaultReadBudget, ...config.operations.tenantReadRate },
    // Appends committed here wake the tenant's poller at once (the hub's observer).
    observer: combineObservers(observers, (error, notice) =>
      logger.debug(`store observer: ${notice} threw; the other observers were told.`, error),
    ),
  });
}

function announceAuth(logger: Logger, authenticator: Authenticator, config: Config): void {
  if (config.apiKeys) logger.info(`API keys configured for tenant(s): ${authenticator.tenants.join(', ')}`);
  if (config.jwt) logger.info(`Tokens (JWTs) accepted, keys from ${config.jwt.jwksUrl.origin}.`);
  if (authenticator.required) return;
  logger.warn(
    '*** EVENTLOOM_API_KEYS is not set (nor EVENTLOOM_JWKS_URL): serving one tenant, "default", WITHOUT authentication. ' +
      'Anyone who can reach this port can read and write every event. ***',
  );
}
