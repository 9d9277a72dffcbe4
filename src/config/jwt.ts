/**
 * EVENTLOOM_JWKS_URL and its companions: which tokens (JWTs) the gateway trusts, and which of
 * their claims name the tenant, scopes and restrictions. Unset EVENTLOOM_JWKS_URL: no tokens.
 */
import type { ReadVariable } from './env.js';

export interface JwtClaimNames {
  /** The tenant (required in every token). Default `tenant`; e.g. Cognito's `custom:tenant`. */
  readonly tenant: string;
  /** Scopes: a space-separated string (or an array). Default `scope`; `scp` is read too. */
  readonly scope: string;
  /** Category restriction (an array of strings). Default `categories`. */
  readonly categories: string;
  /** Stream id restriction (an array of UUIDs). Default `streams`. */
  readonly streams: string;
}

export interface JwtConfig {
  /** Where the key set is fetched from (http or https). */
  readonly jwksUrl: URL;
  /** `iss` must equal this when set. */
  readonly issuer: string | null;
  /** `aud` must contain this when set. */
  readonly audience: string | null;
  readonly claims: JwtClaimNames;
  /** The least time between two refetches of the key set for an unknown `kid` (30 s). */
  readonly jwksCooldownMs: number;
  /** How long one key set fetch may take (5 s). */
  readonly jwksTimeoutMs: number;
}

export const defaultJwtClaims: JwtClaimNames = Object.freeze({
  tenant: 'tenant',
  scope: 'scope',
  categories: 'categories',
  streams: 'streams',
});

export const defaultJwksCooldownMs = 30_000;
export const defaultJwksTimeoutMs = 5_000;

/** The JWT settings, or null when EVENTLOOM_JWKS_URL is unset (tokens are then refused). */
export function parseJwt(read: ReadVariable, problems: string[]): JwtConfig | null {
  const rawUrl = read('EVENTLOOM_JWKS_URL');
  const claimNames = {
    tenant: claimName(read, problems, 'EVENTLOOM_JWT_TENANT_CLAIM', defaultJwtClaims.tenant),
    scope: claimName(read, problems, 'EVENTLOOM_JWT_SCOPE_CLAIM', defaultJwtClaims.scope),
    categories: claimName(read, problems, 'EVENTLOOM_JWT_CATEGORIES_CLAIM', defaultJwtClaims.categories),
    streams: claimName(read, problems, 'EVENTLOOM_JWT_STREAMS_CLAIM', defaultJwtClaims.streams),
  };
  if (rawUrl === undefined) {
    for (const name of ['EVENTLOOM_JWT_ISSUER', 'EVENTLOOM_JWT_AUDIENCE']) {
      if (read(name) !== undefined) problems.push(`${name} is set but EVENTLOOM_JWKS_URL is not.`);
    }
    return null;
  }
  const jwksUrl = parseJwksUrl(rawUrl, problems);
  if (jwksUrl === null) return null;
  return {
    jwksUrl,
    issuer: read('EVENTLOOM_JWT_ISSUER') ?? null,
    audience: read('EVENTLOOM_JWT_AUDIENCE') ?? null,
    claims: claimNames,
    jwksCooldownMs: defaultJwksCooldownMs,
    jwksTimeoutMs: defaultJwksTimeoutMs,
  };
}

function parseJwksUrl(raw: string, problems: string[]): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`EVENTLOOM_JWKS_URL must be an http(s) URL, got "${raw}".`);
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`EVENTLOOM_JWKS_URL must be an http(s) URL, got "${raw}".`);
    return null;
  }
  return url;
}

function claimName(read: ReadVariable, problems: string[], name: string, fallback: string): string {
  const value = read(name);
  if (value === undefined) return fallback;
  if (/\s/.test(value)) {
    problems.push(`${name} must be a claim name without spaces, got "${value}".`);
    return fallback;
  }
  return value;
}
