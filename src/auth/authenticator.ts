/**
 * Credentials to principals, without any transport: HTTP (src/plugins/use-auth.ts), SSE and
 * WebSocket (src/transports/graphql-ws.ts) all ask the same Authenticator who a credential is.
 * API keys are looked up here; tokens (JWTs) go to the verifier when one is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyGrant } from '../config/api-keys.js';
import { defaultTenant } from '../config.js';
import { type Authentication, everyScope, type Principal } from './principal.js';

export interface Authenticator {
  /** False when no credentials are configured: every request is served as tenant `default`. */
  readonly required: boolean;
  /** Who an `Authorization` value ("Bearer <key or token>") is, or why it is refused. */
  authenticate(authorization: string | null | undefined): Promise<Authentication>;
  /** The tenants that keys select (just `default` without keys). */
  readonly tenants: readonly string[];
}

/** Verifies tokens (src/auth/jwt.ts); absent when no JWKS is configured. */
export interface TokenVerifier {
  verify(token: string): Promise<Authentication>;
}

const anonymous: Principal = {
  kind: 'anonymous',
  tenant: defaultTenant,
  scopes: everyScope(),
  categories: null,
  streamIds: null,
  expiresAt: null,
  id: 'anonymous',
};

export function createAuthenticator(
  apiKeys: ReadonlyMap<string, ApiKeyGrant> | null,
  tokens: TokenVerifier | null = null,
): Authenticator {
  if (apiKeys === null && tokens === null) {
    return {
      required: false,
      tenants: [defaultTenant],
      authenticate: async () => ({ ok: true, principal: anonymous }),
    };
  }
  const keys = keyPrincipals(apiKeys ?? new Map());
  return {
    required: true,
    tenants: [...new Set([...(apiKeys?.values() ?? [])].map((grant) => grant.tenant))],
    async authenticate(authorization) {
      const credential = bearerToken(authorization);
      if (credential === null) return { ok: false, reason: 'missing' };
      const principal = keys(credential);
      if (principal !== null) return { ok: true, principal };
      if (tokens !== null && looksLikeJwt(credential)) return tokens.verify(credential);
      return { ok: false, reason: 'invalid' };
    },
  };
}

/** The key lookup: digests compared in constant time, so that response timing says nothing about a key. */
function keyPrincipals(apiKeys: ReadonlyMap<string, ApiKeyGrant>): (key: string) => Principal | null {
  const entries = [...apiKeys].map(([key, grant]) => {
    const keyDigest = digest(key);
    const principal: Principal = {
      kind: 'key',
      tenant: grant.tenant,
      scopes: new Set(grant.scopes),
      categories: null,
      streamIds: null,
      expiresAt: null,
      id: `key:${keyDigest.toString('hex').slice(0, 12)}`,
    };
    return { digest: keyDigest, principal };
  });
  return (key) => {
    const presented = digest(key);
    let found: Principal | null = null;
    for (const entry of entries) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
    }
    return found;
  };
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

/** Three base64url parts: a JWS in compact form. */
function looksLikeJwt(credential: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(credential);
}

/** What a request presents: a Fetch request over HTTP, connectionParams over WebSocket. */
export interface Credentials {
  readonly request?: Request | undefined;
  readonly connectionParams?: Readonly<Record<string, unknown>> | undefined;
}

/** The credentials a request carries: connectionParams.authorization over WebSocket, else the header. */
export function authorizationOf(initial: Credentials): string | null {
  const fromParams = initial.connectionParams?.authorization ?? initial.connectionParams?.Authorization;
  if (typeof fromParams === 'string') return fromParams;
  return initial.request?.headers.get('authorization') ?? null;
}
