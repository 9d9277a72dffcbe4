/**
 * Tenancy and auth over HTTP: with API keys configured, every request to the GraphQL
 * endpoint must carry `Authorization: Bearer <key>`; others get HTTP 401 before anything is
 * parsed or executed. The GraphiQL page itself (GET, text/html) needs no key. Which tenant a
 * key selects is decided again, from the same Authenticator, by the context factory.
 */
import { type Plugin, shouldRenderGraphiQL } from 'graphql-yoga';
import type { Authenticator } from '../auth/authenticator.js';
import { unauthenticatedResponse } from '../errors/unauthenticated.js';

export function useAuth(authenticator: Authenticator, graphqlEndpoint: string): Plugin {
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (!authenticator.required) return;
      if (url.pathname !== graphqlEndpoint && url.pathname !== `${graphqlEndpoint}/`) return;
      if (request.method === 'OPTIONS' || shouldRenderGraphiQL(request)) return;
      if (authenticator.tenantFor(request.headers.get('authorization')) !== null) return;
      endResponse(unauthenticatedResponse(fetchAPI));
    },
  };
}
