import { describe, expect, test } from 'vitest';
import { authorizationOf, createAuthenticator } from '../../src/auth/authenticator.js';
import { allScopes } from '../../src/auth/principal.js';
import { parseApiKeys } from '../../src/config/api-keys.js';

function keys(raw: string) {
  const problems: string[] = [];
  const parsed = parseApiKeys(raw, problems);
  expect(problems).toEqual([]);
  return parsed;
}

describe('createAuthenticator with API keys', () => {
  const auth = createAuthenticator(
    keys('alpha-key-0123456789=alpha,beta-key-0123456789=beta:read+subscribe,alpha-rotated-0123456=alpha'),
  );
  const principalOf = async (header: string | null | undefined) => {
    const authentication = await auth.authenticate(header);
    return authentication.ok ? authentication.principal : null;
  };

  test('a Bearer key selects its tenant and scopes; the principal names the key without revealing it', async () => {
    expect(auth.required).toBe(true);
    const alpha = await principalOf('Bearer alpha-key-0123456789');
    expect(alpha).toMatchObject({
      kind: 'key',
      tenant: 'alpha',
      categories: null,
      streamIds: null,
      expiresAt: null,
    });
    expect([...(alpha?.scopes ?? [])]).toEqual([...allScopes]);
    expect(alpha?.id).toMatch(/^key:[0-9a-f]{12}$/);
    expect(alpha?.id).not.toContain('alpha-key');
    const beta = await principalOf('bearer   beta-key-0123456789 ');
    expect(beta?.tenant).toBe('beta');
    expect([...(beta?.scopes ?? [])]).toEqual(['read', 'subscribe']);
    const rotated = await principalOf('Bearer alpha-rotated-0123456');
    expect(rotated?.tenant).toBe('alpha');
    expect(rotated?.id).not.toBe(alpha?.id);
    expect(auth.tenants).toEqual(['alpha', 'beta']);
  });

  test.each([
    [null, 'missing'],
    [undefined, 'missing'],
    ['', 'missing'],
    ['alpha-key-0123456789', 'missing'],
    ['Basic alpha-key-0123456789', 'missing'],
    ['Bearer', 'missing'],
    ['Bearer alpha-key-012345678', 'invalid'],
    ['Bearer alpha-key-0123456789 extra', 'missing'],
    ['Bearer eyJhbGciOiJub25lIn0.e30.', 'invalid'],
  ])('refuses %j as %s', async (header, reason) => {
    expect(await auth.authenticate(header)).toEqual({ ok: false, reason });
  });

  test('without keys every request is the default tenant with every scope', async () => {
    const open = createAuthenticator(null);
    expect(open.required).toBe(false);
    for (const header of [null, 'Bearer anything']) {
      const authentication = await open.authenticate(header);
      expect(authentication).toMatchObject({ ok: true, principal: { kind: 'anonymous', tenant: 'default' } });
    }
  });
});

describe('EVENTLOOM_API_KEYS scopes', () => {
  test('an unknown scope is a configuration problem that names the entry, never the key', () => {
    const problems: string[] = [];
    parseApiKeys('secret-key-0123456789=t:read+write', problems);
    expect(problems).toEqual([expect.stringContaining('entry 1: scope "write" is not one of')]);
    expect(problems.join()).not.toContain('secret-key');
  });
});

describe('authorizationOf', () => {
  test('prefers WebSocket connectionParams, else the HTTP header', () => {
    const request = new Request('http://x/graphql', { headers: { authorization: 'Bearer from-header' } });
    expect(authorizationOf({ request })).toBe('Bearer from-header');
    expect(authorizationOf({ connectionParams: { authorization: 'Bearer from-params' } })).toBe(
      'Bearer from-params',
    );
    expect(authorizationOf({ connectionParams: { Authorization: 'Bearer capitalized' } })).toBe(
      'Bearer capitalized',
    );
    expect(authorizationOf({ connectionParams: { authorization: 42 } })).toBeNull();
    expect(authorizationOf({})).toBeNull();
  });
});
