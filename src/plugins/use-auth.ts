/**
 * Tenancy and auth over HTTP: with credentials configured, every request to the GraphQL
 * endpoint must carry `Authorization: Bearer <key or token>`; others get HTTP 401 before
 * anything is parsed or executed. The GraphiQL page itself (GET, text/html) needs none. The
 * principal found here is the one the context factory uses (one authentication per request).
 */
import { type Plugin, shouldRenderGraphiQL } from 'graphql-yoga';
import type { RefusalReason } from '../auth/principal.js';
import type { RequestAuth } from '../auth/request-auth.js';
import { unauthenticatedResponse } from '../errors/unauthenticated.js';

export function useAuth(
  auth: RequestAuth,
  graphqlEndpoint: string,
  onRefused?: (reason: RefusalReason) => void,
): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (!auth.authenticator.required) return;
      if (url.pathname !== graphqlEndpoint && url.pathname !== `${graphqlEndpoint}/`) return;
      if (request.method === 'OPTIONS' || shouldRenderGraphiQL(request)) return;
      const authentication = await auth.ofRequest(request);
      if (authentication.ok) return;
      onRefused?.(authentication.reason);
      endResponse(unauthenticatedResponse(fetchAPI, authentication.reason));
    },
  };
}
