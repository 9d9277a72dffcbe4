import { describe, expect, test } from 'vitest';
import { authorizationOf, createAuthenticator } from '../../src/auth/authenticator.js';

describe('createAuthenticator', () => {
  const auth = createAuthenticator(
    new Map([
      ['alpha-key-0123456789', 'alpha'],
      ['beta-key-0123456789', 'beta'],
      ['alpha-rotated-0123456', 'alpha'],
    ]),
  );

  test('a Bearer key selects its tenant', () => {
    expect(auth.required).toBe(true);
    expect(auth.tenantFor('Bearer alpha-key-0123456789')).toBe('alpha');
    expect(auth.tenantFor('bearer   beta-key-0123456789 ')).toBe('beta');
    expect(auth.tenantFor('Bearer alpha-rotated-0123456')).toBe('alpha');
    expect(auth.tenants).toEqual(['alpha', 'beta']);
  });

  test.each([
    null,
    undefined,
    '',
    'alpha-key-0123456789',
    'Basic alpha-key-0123456789',
    'Bearer',
    'Bearer alpha-key-012345678',
    'Bearer alpha-key-0123456789 extra',
  ])('selects no tenant for %j', (header) => {
    expect(auth.tenantFor(header)).toBeNull();
  });

  test('without keys every request is the default tenant', () => {
    const open = createAuthenticator(null);
    expect(open.required).toBe(false);
    expect(open.tenantFor(null)).toBe('default');
    expect(open.tenantFor('Bearer anything')).toBe('default');
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
