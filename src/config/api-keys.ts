/** EVENTLOOM_API_KEYS: which key selects which tenant, with which scopes. */
import { allScopes, isScope, type Scope } from '../auth/principal.js';

/** What one API key grants: its tenant and scopes (every scope unless the entry lists some). */
export interface ApiKeyGrant {
  readonly tenant: string;
  readonly scopes: readonly Scope[];
}

// Tenants become part of every DynamoDB key: keep them short and free of separators.
export const tenantPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * "keyA=tenantA,keyB=tenantB:read+subscribe" -> Map; several keys may share a tenant (key
 * rotation, or keys of different scopes).
 */
export function parseApiKeys(raw: string, problems: string[]): Map<string, ApiKeyGrant> {
  const keys = new Map<string, ApiKeyGrant>();
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const [index, entry] of entries.entries()) {
    const [key, grant] = splitEntry(entry);
    // Never echo a key back: it is a secret and may end up in logs.
    const parsed = parseGrant(grant);
    const problem = typeof parsed === 'string' ? parsed : entryProblem(key, parsed.tenant, keys);
    if (problem !== null) problems.push(`EVENTLOOM_API_KEYS entry ${index + 1}${problem}`);
    else keys.set(key, parsed as ApiKeyGrant);
  }
  if (entries.length === 0) problems.push('EVENTLOOM_API_KEYS is set but holds no "key=tenant" entry.');
  return keys;
}

/** "key=tenant" -> [key, tenant]; empty strings where a part is missing. */
function splitEntry(entry: string): [string, string] {
  const separator = entry.lastIndexOf('=');
  if (separator < 0) return ['', ''];
  return [entry.slice(0, separator).trim(), entry.slice(separator + 1).trim()];
}

/** "tenant" or "tenant:scope+scope" -> the grant, or what is wrong with it (to follow "entry N"). */
export function parseGrant(grant: string): ApiKeyGrant | string {
  const separator = grant.indexOf(':');
  if (separator < 0) return { tenant: grant, scopes: allScopes };
  const tenant = grant.slice(0, separator).trim();
  const scopes = grant
    .slice(separator + 1)
    .split('+')
    .map((scope) => scope.trim());
  const unknown = scopes.find((scope) => !isScope(scope));
  if (unknown !== undefined)
    return `: scope "${unknown}" is not one of ${allScopes.join(', ')} (write "key=tenant:read+subscribe").`;
  return { tenant, scopes: [...new Set(scopes as Scope[])].sort() };
}

/** What is wrong with one entry (to follow "entry N"), or null. */
function entryProblem(key: string, tenant: string, keys: ReadonlyMap<string, ApiKeyGrant>): string | null {
  if (key === '' || tenant === '')
    return ' must be "key=tenant" or "key=tenant:scope+scope" (entries separated by ",").';
  if (key.length < 16 || /\s/.test(key)) return ': a key must have at least 16 characters and no spaces.';
  if (!tenantPattern.test(tenant))
    return `: tenant "${tenant}" may hold letters, digits, "_" and "-" (1 to 64).`;
  if (keys.has(key)) return ': the same key appears twice.';
  return null;
}
