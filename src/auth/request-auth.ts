/**
 * One authentication per HTTP request: the plugins that need the principal before execution
 * (auth, observability, rate limits) and the context factory share one promise per Request, so
 * a token is verified once per request whoever asks first.
 */
import { type Authenticator, authorizationOf, type Credentials } from './authenticator.js';
import type { Authentication } from './principal.js';

export interface RequestAuth {
  readonly authenticator: Authenticator;
  /** Who sent this HTTP request (memoized per request). */
  ofRequest(request: Request): Promise<Authentication>;
  /** Who an HTTP request or a WebSocket's connectionParams name. */
  of(credentials: Credentials): Promise<Authentication>;
}

export function createRequestAuth(authenticator: Authenticator): RequestAuth {
  const byRequest = new WeakMap<Request, Promise<Authentication>>();
  const ofRequest = (request: Request) => {
    let authentication = byRequest.get(request);
    if (authentication === undefined) {
      authentication = authenticator.authenticate(request.headers.get('authorization'));
      byRequest.set(request, authentication);
    }
    return authentication;
  };
  return {
    authenticator,
    ofRequest,
    of(credentials) {
      if (credentials.connectionParams === undefined && credentials.request !== undefined)
        return ofRequest(credentials.request);
      return authenticator.authenticate(authorizationOf(credentials));
    },
  };
}
