/**
 * The gateway: graphql-yoga on Node's HTTP server, at /graphql (POST, GET, GraphiQL) and
 * /healthz, over the DynamoDB event store. `buildApp` wires everything and returns
 * `{ start, stop }`; src/main.ts only starts it. Transports that share the HTTP server and
 * path (graphql-ws for subscriptions, src/transports/, by default) plug in through `transports`
 * and build their contexts through `yoga.getEnveloped`, so HTTP and WebSocket share one
 * context factory (src/context.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import { type Authenticator, createAuthenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import { createContextFactory, type GraphQLContext } from './context.js';
import { createDynamoDbClient } from './dynamodb-client.js';
import { graphiqlOptions } from './graphiql.js';
import { instrumentDynamoDb } from './observability/instrument-dynamodb.js';
import { createLogger, type Logger, toAppLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createMetricsServer } from './observability/metrics-server.js';
import { registerSubscriptionGauges } from './observability/subscription-gauges.js';
import { yogaLogging } from './observability/yoga-logging.js';
import { type ApiLimits, defaultApiLimits } from './plugins/api-limits.js';
import { RateLimiter } from './plugins/rate-limiter.js';
import { useAuth } from './plugins/use-auth.js';
import { useErrorMasking } from './plugins/use-error-masking.js';
import { useGraphiQLPage } from './plugins/use-graphiql-page.js';
import { useHealthz } from './plugins/use-healthz.js';
import { useLimits } from './plugins/use-limits.js';
import { useObservability } from './plugins/use-observability.js';
import { useProbes } from './plugins/use-probes.js';
import { useRateLimit } from './plugins/use-rate-limit.js';
import { schema } from './schema/index.js';
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
import type { Transport, TransportFactory, Yoga } from './transports/types.js';

export const graphqlEndpoint = '/graphql';

export type { Logger } from './observability/logger.js';
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
}

export interface App {
  readonly yoga: Yoga;
  readonly server: Server;
  readonly store: EventStore;
  /** The one subscription hub of this app: its pollers feed every subscription (stats for metrics). */
  readonly subscriptions: SubscriptionHub;
  readonly authenticator: Authenticator;
  readonly limits: ApiLimits;
  /**
   * Creates the tables when missing, attaches the transports, listens. Resolves with the URL,
   * and the URL of /metrics when the configuration gives it a listener.
   */
  start(): Promise<{ url: string; port: number; metricsUrl: string | null }>;
  /** Stops accepting, lets in-flight requests and appends finish, then releases everything. */
  stop(): Promise<void>;
}

/** Slow clients: headers in 10 s, the request in 30 s; SSE and WebSocket streams are not cut. */
const serverTimeouts = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 };

export function buildApp(config: Config, options: AppOptions = {}): App {
  const operations = config.operations;
  const logger = options.logger ?? toAppLogger(createLogger(operations.logLevel));
  const limits: ApiLimits = {
    ...defaultApiLimits,
    maxSubscriptionsPerConnection: operations.maxSubscriptionsPerConnection,
    maxSubscriptionsPerTenant: operations.maxSubscriptionsPerTenant,
    ...options.limits,
  };
  const ownsClient = options.client === undefined;
  const client = options.client ?? createDynamoDbClient(config);
  const metrics = createMetrics();
  instrumentDynamoDb(client, metrics);
  const subscriptions = new SubscriptionHub({
    ...(config.subscriptionPoll ? { poll: config.subscriptionPoll } : {}),
    // A spent read budget is the tenant's own load, counted in metrics, not a failure to log.
    onReadError: (error, { tenant, reader }) => {
      if (error instanceof RateLimitedError) return;
      logger.warn(`subscriptions: a ${reader} log read for tenant ${tenant} failed; retrying.`, error);
    },
  });
  const store = createDynamoEventStore({
    client,
    tablePrefix: config.tablePrefix,
    readBudget: { ...defaultReadBudget, ...operations.tenantReadRate },
    // Appends committed here wake the tenant's poller at once.
    observer: combineObservers(
      [subscriptions.observer, metrics.storeObserver, options.observer],
      (error, notice) =>
        logger.debug(`store observer: ${notice} threw; the other observers were told.`, error),
    ),
  });
  const authenticator = createAuthenticator(config.apiKeys);
  const healthTenant = authenticator.tenants[0] ?? 'default';

  const yoga: Yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint,
    context: createContextFactory({ store, authenticator, limits, subscriptions }),
    maxRequestBodySize: limits.maxBodyBytes,
    landingPage: false,
    logging: yogaLogging(logger),
    // Served by useGraphiQLPage, built once and compressed; yoga never renders it.
    graphiql: false,
    maskedErrors: useErrorMasking(logger),
    plugins: [
      useGraphiQLPage(graphqlEndpoint, () => renderGraphiQL(graphiqlOptions(authenticator.required))),
      useProbes({ ready: () => ready }),
      useHealthz(
        async () => {
          await store.forTenant(healthTenant).headPosition();
        },
        (error) => logger.debug('healthz: DynamoDB did not answer.', error),
      ),
      useObservability(metrics, logger, {
        graphql: graphqlEndpoint,
        tenantOf: (request) => authenticator.tenantFor(request.headers.get('authorization')),
      }),
      useAuth(authenticator, graphqlEndpoint),
      useLimits(limits),
      useRateLimit(new RateLimiter(operations.mutationRate), () =>
        metrics.rateLimited.inc({ limit: 'mutations' }),
      ),
    ],
  });
  registerSubscriptionGauges(metrics, subscriptions);
  const metricsServer = createMetricsServer(metrics);

  const server = createServer(serverTimeouts, yoga);
  const transports: Transport[] = [];
  let started = false;
  let ready = false;
  let stopping: Promise<void> | null = null;

  return {
    yoga,
    server,
    store,
    subscriptions,
    authenticator,
    limits,

    async start() {
      if (started) throw new Error('the app was already started');
      started = true;
      await store.ensureTables();
      for (const attach of options.transports ?? [graphqlWsTransport()]) {
        transports.push(
          await attach({ server, yoga, graphqlEndpoint, authenticator, store, logger, limits }),
        );
      }
      await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolveListen();
        });
      });
      const metricsUrl = config.metrics ? await metricsServer.start(config.metrics) : null;
      ready = true;
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${port}${graphqlEndpoint}`;
      if (!authenticator.required) {
        logger.warn(
          '*** EVENTLOOM_API_KEYS is not set: serving one tenant, "default", WITHOUT authentication. ' +
            'Anyone who can reach this port can read and write every event. ***',
        );
      } else {
        logger.info(`API keys configured for tenant(s): ${authenticator.tenants.join(', ')}`);
      }
      return { url, port, metricsUrl };
    },

    stop() {
      stopping ??= (async () => {
        ready = false;
        const closed = server.listening
          ? new Promise<void>((resolveClose) => server.close(() => resolveClose()))
          : Promise.resolve();
        // Subscriptions first: completing them ends their SSE responses and has graphql-ws send
        // `complete`; then the transports close their sockets, which would keep the server open.
        await subscriptions.close();
        await Promise.allSettled(transports.map((transport) => transport.close()));
        // Keep-alive connections go as soon as their in-flight request is answered; whatever is
        // still busy after the grace period is cut.
        server.closeIdleConnections();
        const sweep = setInterval(() => server.closeIdleConnections(), 25);
        const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        await closed;
        clearInterval(sweep);
        clearTimeout(grace);
        // Requests are done; appends handed to the committer finish before close() resolves.
        await store.close();
        await metricsServer.stop();
        if (ownsClient) client.destroy();
      })();
      return stopping;
    },
  };
}
