/**
 * The JWT verifier on its own, against a JWKS served by the test: how claims become a
 * Principal (scopes, restrictions, id), and what happens while the JWKS cannot be fetched
 * (tokens refused, one warning per run of failures, never a token in the log).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import type { Authentication } from '../../src/auth/principal.js';
import { defaultJwtClaims, type JwtConfig } from '../../src/config/jwt.js';
import { nowSeconds, useJwks } from '../support/jwks.js';

const jwks = useJwks();

function config(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    jwksUrl: jwks().url,
    issuer: null,
    audience: null,
    claims: defaultJwtClaims,
    jwksCooldownMs: 30_000,
    jwksTimeoutMs: 5_000,
    ...overrides,
  };
}

function recordingLogger() {
  const lines: { level: string; text: string }[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push({ level, text: args.map(String).join(' ') });
  return {
    lines,
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  };
}

function principal(authentication: Authentication) {
  if (!authentication.ok) throw new Error(`refused: ${authentication.reason}`);
  return authentication.principal;
}

describe('claims to a principal', () => {
  const verifierOf = () => createJwtVerifier(config(), recordingLogger().logger);
  const key = () => jwks().createKey('ES256');

  test('tenant, scopes (unknown ones ignored), restrictions, expiry and subject', async () => {
    const signing = await key();
    jwks().publish(signing);
    const exp = nowSeconds() + 600;
    const streamId = '0B6C3A5E-8F0D-4C6E-9E3B-6C1D2E3F4A5B';
    const token = await signing.sign({
      tenant: 'acme',
      scope: 'openid read  subscribe profile',
      categories: ['orders', 'orders'],
      streams: [streamId],
      sub: 'auth0|123',
      exp,
    });
    expect(principal(await verifierOf().verify(token))).toEqual({
      kind: 'token',
      tenant: 'acme',
      scopes: new Set(['read', 'subscribe']),
      categories: ['orders'],
      streamIds: [streamId.toLowerCase()],
      expiresAt: new Date(exp * 1000),
      id: 'token:auth0|123',
    });
  });

  test('`scp` as an array; no scope claim: no scope; no restrictions: null; no sub: a digest', async () => {
    const signing = await key();
    jwks().publish(signing);
    const verifier = verifierOf();
    const scp = principal(
      await verifier.verify(await signing.sign({ tenant: 't', scp: ['append', 'nope'] })),
    );
    expect([...scp.scopes]).toEqual(['append']);
    const bare = await signing.sign({ tenant: 't' });
    const none = principal(await verifier.verify(bare));
    expect(none.scopes.size).toBe(0);
    expect(none.categories).toBeNull();
    expect(none.streamIds).toBeNull();
    expect(none.id).toMatch(/^token:#[0-9a-f]{12}$/);
    for (const part of bare.split('.')) expect(none.id).not.toContain(part);
  });

  test.each([
    ['categories not an array', { categories: 'orders' }],
    ['a category that is not a string', { categories: ['orders', 7] }],
    ['a stream id that is not a UUID', { streams: ['orders-1'] }],
    ['scope neither string nor array', { scope: 7 }],
    ['a tenant with a separator', { tenant: 'a#b' }],
    ['a tenant that is not a string', { tenant: 42 }],
  ])('%s: invalid (a malformed claim never widens access)', async (_, claims) => {
    const signing = await key();
    jwks().publish(signing);
    expect(await verifierOf().verify(await signing.sign({ tenant: 't', ...claims }))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });
});

describe('the key set cannot be fetched', () => {
  test('tokens are invalid, one warning per run of failures without the token; accepted once it answers', async () => {
    const signing = await jwks().createKey('RS256');
    jwks().publish(signing);
    const { lines, logger } = recordingLogger();
    const verifier = createJwtVerifier(config(), logger);
    jwks().failing = true;
    const tokens = await Promise.all([1, 2, 3].map((n) => signing.sign({ tenant: 't', sub: `user-${n}` })));
    try {
      for (const token of tokens)
        expect(await verifier.verify(token)).toEqual({ ok: false, reason: 'invalid' });
      expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
      expect(lines[0]?.text).toMatch(/key set .* failed \(HTTP 503\)/);
    } finally {
      jwks().failing = false;
    }
    // After the retry floor, the next token fetches again and is accepted.
    const deadline = Date.now() + 10_000;
    let answer = await verifier.verify(tokens[0] as string);
    while (!answer.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await verifier.verify(tokens[0] as string);
    }
    expect(answer.ok).toBe(true);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(lines.some((line) => line.level === 'info' && /answers again/.test(line.text))).toBe(true);
    for (const line of lines)
      for (const token of tokens) expect(line.text).not.toContain(token.split('.')[2]);
  });

  test('a JWKS that does not answer in time: invalid, after the timeout', async () => {
    const hanging = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    try {
      const { lines, logger } = recordingLogger();
      const verifier = createJwtVerifier(
        config({ jwksUrl: new URL(`http://127.0.0.1:${port}/jwks`), jwksTimeoutMs: 200 }),
        logger,
      );
      const signing = await jwks().createKey('ES256');
      expect(await verifier.verify(await signing.sign({ tenant: 't' }))).toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
      expect(lines[0]?.text).toMatch(/TimeoutError/);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});
