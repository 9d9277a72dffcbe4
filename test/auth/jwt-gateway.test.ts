/**
 * Tokens (JWTs) on a real gateway: a JWKS served by the test on 127.0.0.1, keys made here.
 * Every refusal path answers HTTP 401 (UNAUTHENTICATED, no detail) and closes a WebSocket with
 * 4403, writing nothing; a new key published in the JWKS works without a restart; claim names
 * are configurable (Cognito's `custom:tenant`); a verified token is served from the cache.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { AppendEventsDocument, HeadDocument, StreamDocument } from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';
import { hmacWithPublicKey, nowSeconds, type SigningKey, unsignedToken, useJwks } from '../support/jwks.js';
import { useSubscriptionClients } from '../support/subscriptions.js';

const issuer = 'https://issuer.test/';
const audience = 'eventloom-api';
const tenant = 'jwt-tenant';
const adminKey = 'jwt-gateway-admin-key-0123456789';
const jwks = useJwks();
const clients = useSubscriptionClients();
const api = useTestApi({
  apiKeys: { [adminKey]: tenant },
  get jwt() {
    return { jwksUrl: jwks().url, issuer, audience };
  },
});

let rsa: SigningKey;
let ec: SigningKey;
let ed: SigningKey;
let unpublished: SigningKey;
beforeAll(async () => {
  rsa = await jwks().createKey('RS256');
  ec = await jwks().createKey('ES256');
  ed = await jwks().createKey('EdDSA');
  unpublished = await jwks().createKey('ES256', 'not-in-the-jwks');
  for (const key of [rsa, ec, ed]) jwks().publish(key);
});

const validClaims = (): Record<string, unknown> => ({
  iss: issuer,
  aud: audience,
  sub: 'user-1',
  tenant,
  scope: 'openid read subscribe append',
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** What a refused token's answer may say: one of the fixed messages, no detail from jose. */
const detail = /\b(alg|algorithm|kid|claim|signature|nbf|iss|aud|exp|JWS|JWK|JWT|jose|HS256|none)\b/i;

describe('tokens accepted', () => {
  test.each(['RS256', 'ES256', 'EdDSA'])('a %s token reads and writes its tenant', async (alg) => {
    const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg] as SigningKey;
    const token = await key.sign(validClaims());
    const name = uniqueName(alg);
    await appendOk(api(), { name }, [event('A')], undefined, { headers: bearer(token) });
    // The token's tenant is the admin key's: the stream is there.
    const seen = await api().data(StreamDocument, { ref: { name } }, { key: adminKey });
    expect(seen.stream?.version).toBe(1);
  });

  test('a token within the clock tolerance (nbf 3 s ahead) is accepted', async () => {
    const token = await ec.sign({ ...validClaims(), nbf: nowSeconds() + 3 });
    expect((await api().execute(HeadDocument, {}, { headers: bearer(token) })).status).toBe(200);
  });

  test('a verified token is served from the cache: one verification, no further JWKS fetch', async () => {
    const token = await rsa.sign({ ...validClaims(), sub: 'cached-user' });
    const stats = api().app.tokens?.stats;
    if (!stats) throw new Error('the gateway has no token verifier');
    const before = { ...stats, jwks: jwks().fetches };
    for (let request = 0; request < 5; request++) {
      expect((await api().execute(HeadDocument, {}, { headers: bearer(token) })).status).toBe(200);
    }
    expect(stats.verifications - before.verifications).toBe(1);
    expect(stats.cacheHits - before.cacheHits).toBe(4);
    expect(jwks().fetches).toBe(before.jwks);
    // The same token over WebSocket: still the cached verification.
    const client = clients.ws(api().url, { connectionParams: bearer(token) });
    expect((await client.execute('{ head }')).data).toEqual({ head: expect.any(Number) });
    expect(stats.verifications - before.verifications).toBe(1);
  });
});

/** Each refusal: the token, and the reason the client may learn. */
const refusals: [string, () => Promise<string>, 'expired' | 'invalid'][] = [
  ['expired', () => ec.sign({ ...validClaims(), exp: nowSeconds() - 60 }), 'expired'],
  ['not yet valid (nbf 60 s ahead)', () => ec.sign({ ...validClaims(), nbf: nowSeconds() + 60 }), 'invalid'],
  ['wrong issuer', () => ec.sign({ ...validClaims(), iss: 'https://other.test/' }), 'invalid'],
  ['wrong audience', () => ec.sign({ ...validClaims(), aud: 'another-api' }), 'invalid'],
  ['unknown kid', () => unpublished.sign(validClaims()), 'invalid'],
  ['alg none', async () => unsignedToken(validClaims()), 'invalid'],
  ['HS256 signed with the public key', () => hmacWithPublicKey(rsa, validClaims()), 'invalid'],
  ['a key of the JWKS named for another key', () => ec.sign(validClaims(), { kid: rsa.kid }), 'invalid'],
  ['garbage', async () => 'not.a.token', 'invalid'],
  ['garbage with a header', async () => 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl', 'invalid'],
  ['a missing tenant claim', () => ec.sign({ ...validClaims(), tenant: undefined }), 'invalid'],
  ['a tenant that is no tenant name', () => ec.sign({ ...validClaims(), tenant: 'a:b' }), 'invalid'],
  ['no exp', () => ec.sign({ ...validClaims(), exp: undefined }), 'invalid'],
];

describe('refused tokens', () => {
  test.each(refusals)(
    '%s: HTTP 401 without detail, 4403 over WebSocket, nothing written',
    async (_, make, reason) => {
      const token = await make();
      const headBefore = (await api().data(HeadDocument, {}, { key: adminKey })).head;
      const name = uniqueName('refused');
      const input = { stream: { name }, events: [event('A')] };

      const read = await api().execute(HeadDocument, {}, { headers: bearer(token) });
      expect(read.status).toBe(401);
      expect(read.data).toBeUndefined();
      expect(read.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
      expect(read.text).not.toMatch(detail);
      // Not even the token's claims come back.
      const claims = token.split('.')[1] ?? '';
      if (claims.length > 8) expect(read.text).not.toContain(claims);

      const write = await api().execute(AppendEventsDocument, { input }, { headers: bearer(token) });
      expect(write.status).toBe(401);
      expect(write.text).not.toMatch(detail);

      const client = clients.ws(api().url, { connectionParams: bearer(token) });
      const attempt = client.execute(AppendEventsDocument, { input });
      expect(await client.closed()).toBe(4403);
      await attempt.catch(() => undefined);

      expect((await api().data(HeadDocument, {}, { key: adminKey })).head).toBe(headBefore);
      expect((await api().data(StreamDocument, { ref: { name } }, { key: adminKey })).stream).toBeNull();
    },
  );

  test('unknown kids do not refetch the JWKS more than once per cooldown', async () => {
    // Make sure the key set was fetched, then present tokens of unknown keys.
    await api().data(HeadDocument, {}, { headers: bearer(await ec.sign(validClaims())) });
    const before = jwks().fetches;
    for (let attempt = 0; attempt < 5; attempt++) {
      const token = await unpublished.sign({ ...validClaims(), sub: `probe-${attempt}` });
      expect((await api().execute(HeadDocument, {}, { headers: bearer(token) })).status).toBe(401);
    }
    expect(jwks().fetches - before).toBeLessThanOrEqual(1);
  });
});

describe('key rotation', () => {
  // The cooldown shortened so that the test need not wait 30 s for the refetch it allows.
  const rotation = useJwks();
  const gateway = useTestApi({
    apiKeys: { [adminKey]: tenant },
    get jwt() {
      return { jwksUrl: rotation().url, jwksCooldownMs: 500 };
    },
  });

  test('a key published in the JWKS works without a restart; the old one still works', async () => {
    const first = await rotation().createKey('RS256');
    rotation().publish(first);
    const claims = { tenant, scope: 'read', sub: 'rotating-user' };
    const oldToken = await first.sign(claims);
    expect((await gateway().execute(HeadDocument, {}, { headers: bearer(oldToken) })).status).toBe(200);
    expect(rotation().fetches).toBe(1);

    const second = await rotation().createKey('ES256');
    rotation().publish(second);
    // New tokens of the new key until one is accepted: within the cooldown the key set is not
    // refetched (those are refused), after it the first unknown kid refetches it.
    const deadline = Date.now() + 20_000;
    for (let attempt = 0; ; attempt++) {
      const token = await second.sign({ ...claims, jti: String(attempt) });
      if ((await gateway().execute(HeadDocument, {}, { headers: bearer(token) })).status === 200) break;
      if (Date.now() > deadline) throw new Error('a token of the new key was never accepted');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rotation().fetches).toBe(2);
    expect((await gateway().execute(HeadDocument, {}, { headers: bearer(oldToken) })).status).toBe(200);
    expect(rotation().fetches).toBe(2);
  });
});

describe('claim names', () => {
  const cognito = useTestApi({
    get jwt() {
      return { jwksUrl: jwks().url, claims: { tenant: 'custom:tenant' } };
    },
  });

  test('Cognito: the tenant from `custom:tenant`, scopes from `scope`', async () => {
    const token = await rsa.sign({
      'custom:tenant': 'cognito-tenant',
      tenant: 'not-this-one',
      scope: 'eventloom/read read append',
      sub: 'cognito-user',
    });
    const name = uniqueName('cognito');
    await appendOk(cognito(), { name }, [event('A')], undefined, { headers: bearer(token) });
    const store = cognito().app.store;
    expect((await store.forTenant('cognito-tenant').getStream({ name }))?.version).toBe(1);
    expect(await store.forTenant('not-this-one').headPosition()).toBe(0);
    // A token with only `tenant` names no tenant here.
    const plain = await rsa.sign({ tenant: 'cognito-tenant' });
    expect((await cognito().execute(HeadDocument, {}, { headers: bearer(plain) })).status).toBe(401);
  });
});
