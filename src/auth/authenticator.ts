/**
 * API keys and tenants, without any transport: HTTP (src/plugins/use-auth.ts) and WebSocket
 * (src/transports/graphql-ws.ts) both ask the same Authenticator which tenant a credential selects.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { defaultTenant } from '../config.js';

export interface Authenticator {
  /** False when no keys are configured: every request is served as tenant `default`. */
  readonly required: boolean;
  /** The tenant an `Authorization` value ("Bearer <key>") selects; null when it selects none. */
  tenantFor(authorization: string | null | undefined): string | null;
  /** The tenants that keys select (just `default` without keys). */
  readonly tenants: readonly string[];
}

export function createAuthenticator(apiKeys: ReadonlyMap<string, string> | null): Authenticator {
  if (apiKeys === null) {
    return { required: false, tenants: [defaultTenant], tenantFor: () => defaultTenant };
  }
  // Compare digests in constant time so that response timing says nothing about a key.
  const entries = [...apiKeys].map(([key, tenant]) => ({ digest: digest(key), tenant }));
  return {
    required: true,
    tenants: [...new Set(apiKeys.values())],
    tenantFor(authorization) {
      const key = bearerToken(authorization);
      if (key === null) return null;
      const presented = digest(key);
      let tenant: string | null = null;
      for (const entry of entries) {
        if (timingSafeEqual(entry.digest, presented)) tenant = entry.tenant;
      }
      return tenant;
    },
  };
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
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
