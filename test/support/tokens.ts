/**
 * A fake TokenVerifier for tests that need token principals (restrictions, scopes of tokens):
 * it knows the JWT-shaped strings it issued and the principal each stands for. Signature
 * checks are the real verifier's business (src/auth/jwt.ts), not these tests'.
 */
import type { TokenVerifier } from '../../src/auth/authenticator.js';
import { everyScope, type Principal, type Scope } from '../../src/auth/principal.js';

export interface FakeClaims {
  tenant: string;
  categories?: readonly string[] | null;
  streamIds?: readonly string[] | null;
  scopes?: readonly Scope[];
}

export interface FakeTokens {
  readonly verifier: TokenVerifier;
  /** A JWT-shaped string (three base64url parts) that the verifier maps to these claims. */
  issue(claims: FakeClaims): string;
}

export function fakeTokens(): FakeTokens {
  const principals = new Map<string, Principal>();
  return {
    verifier: {
      async verify(token) {
        const principal = principals.get(token);
        return principal ? { ok: true, principal } : { ok: false, reason: 'invalid' };
      },
    },
    issue(claims) {
      const n = principals.size + 1;
      const token = `eyJmYWtlIjp0cnVlfQ.${Buffer.from(`token-${n}`).toString('base64url')}.c2ln`;
      principals.set(token, {
        kind: 'token',
        tenant: claims.tenant,
        scopes: claims.scopes ? new Set(claims.scopes) : everyScope(),
        categories: claims.categories ?? null,
        streamIds: claims.streamIds ?? null,
        expiresAt: null,
        id: `token:fake-${n}`,
      });
      return token;
    },
  };
}
