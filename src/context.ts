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
import { type Authenticator, authorizationOf } from './auth/authenticator.js';
import { unauthenticated } from './errors/unauthenticated.js';
import type { ApiLimits } from './plugins/api-limits.js';
import type { EventStore, TenantEventStore } from './store/types.js';
import type { SubscriptionHub } from './subscriptions/index.js';

export interface GraphQLContext {
  readonly tenant: string;
  readonly store: TenantEventStore;
  readonly limits: ApiLimits;
  /** The app's one subscription hub (src/subscriptions/), shared by all requests and tenants. */
  readonly subscriptions: SubscriptionHub;
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
  authenticator: Authenticator;
  limits: ApiLimits;
  subscriptions: SubscriptionHub;
}

export function createContextFactory({ store, authenticator, limits, subscriptions }: ContextFactoryOptions) {
  return (initial: InitialContext): GraphQLContext => {
    const tenant = authenticator.tenantFor(authorizationOf(initial));
    // HTTP requests without a valid key were already answered 401 by useAuth; a WebSocket
    // connection is refused at connect time. This is the last line of defence.
    if (tenant === null) throw unauthenticated();
    return createRequestContext(store.forTenant(tenant), limits, subscriptions);
  };
}

export function createRequestContext(
  store: TenantEventStore,
  limits: ApiLimits,
  subscriptions: SubscriptionHub,
): GraphQLContext {
  return { ...initContextCache(), tenant: store.tenant, store, limits, subscriptions };
}
