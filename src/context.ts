/**
 * The per-request GraphQL context: the tenant chosen by the caller's API key, that tenant's
 * view of the store, and the request's limits. One factory serves HTTP and WebSocket
 * (yoga's `context` option runs for both: the subscription layer builds its contexts through
 * `yoga.getEnveloped`, passing `connectionParams`).
 *
 * Stream metadata is loaded per request too (src/schema/streams.ts): the heads that the
 * request's `Event.stream` and `Snapshot.stream` fields need in one tick are read with one
 * `getStreams` call and kept for the request. Subscriptions keep one context for their
 * lifetime, so their deliveries do not use it: the hub reads the streams of each page it reads
 * once, for all its subscribers (src/subscriptions/page-streams.ts).
 */
import { initContextCache } from '@pothos/core';
import type { Principal } from './auth/principal.js';
import type { RequestAuth } from './auth/request-auth.js';
import type { ConsumerSessions, SessionErrorWhere } from './consumers/index.js';
import { unauthenticated } from './errors/unauthenticated.js';
import type { ApiLimits } from './plugins/api-limits.js';
import type { ConsumerStore, TenantConsumerStore } from './store/consumers/types.js';
import { StreamRestriction } from './store/restriction.js';
import type { EventStore, TenantEventStore } from './store/types.js';
import type { SubscriptionHub } from './subscriptions/index.js';

/** Durable consumers, for every request: their records, this gateway's sessions, the URL check of webhooks. */
export interface ConsumerServices {
  readonly store: ConsumerStore;
  readonly sessions: ConsumerSessions;
  /** Null when the webhook URL may be used, else why not (src/outbox/address-guard.ts). */
  checkWebhookUrl(url: string): Promise<string | null>;
  /** Where sessions report parked events and failures (metrics and logs). */
  readonly hooks: ConsumerHooks;
}

export interface ConsumerHooks {
  parked(tenant: string, consumer: string, count: number): void;
  sessionError(error: unknown, where: SessionErrorWhere): void;
}

export interface GraphQLContext {
  /** Who is calling: tenant, scopes, restrictions (src/auth/principal.ts). */
  readonly principal: Principal;
  readonly tenant: string;
  readonly store: TenantEventStore;
  readonly limits: ApiLimits;
  /** The app's one subscription hub (src/subscriptions/), shared by all requests and tenants. */
  readonly subscriptions: SubscriptionHub;
  /** The tenant's durable consumers (src/store/consumers/). */
  readonly consumers: TenantConsumerStore;
  /** This gateway's consume sessions (src/consumers/): where acks go, and the webhook URL check. */
  readonly consumerServices: ConsumerServices;
  /** The HTTP request, which yoga adds to every HTTP context; its signal aborts when the client goes. */
  readonly request?: Request;
}

/** What yoga hands the context factory: a Fetch request over HTTP, connectionParams over WebSocket. */
export interface InitialContext {
  readonly request?: Request;
  readonly connectionParams?: Readonly<Record<string, unknown>>;
}

export interface ContextFactoryOptions {
  store: EventStore;
  auth: RequestAuth;
  limits: ApiLimits;
  subscriptions: SubscriptionHub;
  consumers: ConsumerServices;
}

export function createContextFactory({
  store,
  auth,
  limits,
  subscriptions,
  consumers,
}: ContextFactoryOptions) {
  return async (initial: InitialContext): Promise<GraphQLContext> => {
    const authentication = await auth.of(initial);
    // HTTP requests without valid credentials were already answered 401 by useAuth; a WebSocket
    // connection is refused at connect time. This is the last line of defence.
    if (!authentication.ok) throw unauthenticated(authentication.reason);
    const { principal } = authentication;
    // A restricted principal's every read, write and subscription goes through the restricted
    // view of its tenant (src/store/restricted-store.ts); an unrestricted one gets the tenant's store.
    const view = store.forTenant(principal.tenant, StreamRestriction.of(principal));
    return createRequestContext(principal, view, limits, subscriptions, consumers);
  };
}

export function createRequestContext(
  principal: Principal,
  store: TenantEventStore,
  limits: ApiLimits,
  subscriptions: SubscriptionHub,
  consumers: ConsumerServices,
): GraphQLContext {
  return {
    ...initContextCache(),
    principal,
    tenant: store.tenant,
    store,
    limits,
    subscriptions,
    consumers: consumers.store.forTenant(store.tenant),
    consumerServices: consumers,
  };
}
