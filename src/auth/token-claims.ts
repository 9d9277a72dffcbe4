/**
 * A verified token's claims to a Principal: which claim names the tenant, the scopes and the
 * restrictions is configurable (src/config/jwt.ts). A claim that is present but malformed makes
 * the token invalid rather than being ignored: a broken restriction must never widen access.
 */
import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { validate as isUuid } from 'uuid';
import { tenantPattern } from '../config/api-keys.js';
import type { JwtClaimNames } from '../config/jwt.js';
import { isScope, type Principal, type Scope } from './principal.js';

/** The principal a verified token names, or null when its claims do not make one. */
export function principalOfClaims(
  payload: JWTPayload,
  names: JwtClaimNames,
  token: string,
): Principal | null {
  const tenant = payload[names.tenant];
  if (typeof tenant !== 'string' || !tenantPattern.test(tenant)) return null;
  if (typeof payload.exp !== 'number') return null;
  const scopes = scopesOf(payload[names.scope] ?? payload.scp);
  const categories = stringList(payload[names.categories]);
  const streamIds = stringList(payload[names.streams]);
  if (scopes === null || categories === undefined || streamIds === undefined) return null;
  if (streamIds !== null && !streamIds.every((id) => isUuid(id))) return null;
  return {
    kind: 'token',
    tenant,
    scopes,
    categories,
    streamIds: streamIds?.map((id) => id.toLowerCase()) ?? null,
    expiresAt: new Date(payload.exp * 1000),
    id: idOf(payload.sub, token),
  };
}

/**
 * "read subscribe openid" or ["read", "subscribe"]: the known scopes (others, such as an
 * identity provider's `openid` or `profile`, are ignored). No claim: no scope. Null: malformed.
 */
function scopesOf(claim: unknown): ReadonlySet<Scope> | null {
  if (claim === undefined) return new Set();
  let values: unknown[];
  if (typeof claim === 'string') values = claim.split(/\s+/);
  else if (Array.isArray(claim)) values = claim;
  else return null;
  return new Set(values.filter((value): value is Scope => typeof value === 'string' && isScope(value)));
}

/** An array of strings; null when absent (no restriction); undefined when malformed. */
function stringList(claim: unknown): readonly string[] | null | undefined {
  if (claim === undefined || claim === null) return null;
  if (!Array.isArray(claim) || !claim.every((value) => typeof value === 'string')) return undefined;
  return [...new Set(claim as string[])];
}

/** `token:<sub>`, or a digest prefix of the token when it has no subject; never the token. */
function idOf(subject: unknown, token: string): string {
  if (typeof subject === 'string' && subject !== '') return `token:${subject}`;
  return `token:#${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}
