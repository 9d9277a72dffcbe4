/** EVENTLOOM_API_KEYS: which key selects which tenant. */

// Tenants become part of every DynamoDB key: keep them short and free of separators.
const tenantPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** "keyA=tenantA,keyB=tenantB" -> Map; several keys may share a tenant (key rotation). */
export function parseApiKeys(raw: string, problems: string[]): Map<string, string> {
  const keys = new Map<string, string>();
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const [index, entry] of entries.entries()) {
    const [key, tenant] = splitEntry(entry);
    // Never echo a key back: it is a secret and may end up in logs.
    const problem = entryProblem(key, tenant, keys);
    if (problem) problems.push(`EVENTLOOM_API_KEYS entry ${index + 1}${problem}`);
    else keys.set(key, tenant);
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

/** What is wrong with one entry (to follow "entry N"), or null. */
function entryProblem(key: string, tenant: string, keys: ReadonlyMap<string, string>): string | null {
  if (key === '' || tenant === '') return ' must be "key=tenant" (entries separated by ",").';
  if (key.length < 16 || /\s/.test(key)) return ': a key must have at least 16 characters and no spaces.';
  if (!tenantPattern.test(tenant))
    return `: tenant "${tenant}" may hold letters, digits, "_" and "-" (1 to 64).`;
  if (keys.has(key)) return ': the same key appears twice.';
  return null;
}
