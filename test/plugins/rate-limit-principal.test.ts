/**
 * The mutation rate limit is per principal: a token's subject (all of its tokens share one
 * budget, whatever token string they arrive with), or an API key; another subject or key has
 * its own. A real gateway with a JWKS served by the test.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultOperations } from '../../src/config.js';
import { useTestApi } from '../support/api.js';
import { type SigningKey, useJwks } from '../support/jwks.js';

const tenant = 'rate-tenant';
const adminKey = 'rate-principal-admin-key-0123456789';
const jwks = useJwks();
const api = useTestApi({
  apiKeys: { [adminKey]: tenant },
  // A burst of 2, then about one token per 1000 s: nothing refills during the test.
  operations: { ...defaultOperations, mutationRate: { perSecond: 0.001, burst: 2 } },
  get jwt() {
    return { jwksUrl: jwks().url };
  },
});

let key: SigningKey;
beforeAll(async () => {
  key = await jwks().createKey('ES256');
  jwks().publish(key);
});

const token = (sub: string, jti: string) =>
  key.sign({ sub, jti, tenant, scope: 'append read', exp: Math.floor(Date.now() / 1000) + 600 });

async function append(authorization: string): Promise<number> {
  const query =
    'mutation { appendEvents(input: { stream: { name: "rated" }, events: [{ type: "T", data: 1 }] }) { __typename } }';
  const result = await api().post(JSON.stringify({ query }), { authorization: `Bearer ${authorization}` });
  return result.status;
}

describe('the mutation rate limit, per principal', () => {
  test('two tokens of one subject share its budget; another subject and a key have their own', async () => {
    const first = await token('user-a', 'one');
    const second = await token('user-a', 'two');
    expect(first).not.toBe(second);
    expect([await append(first), await append(second), await append(second)]).toEqual([200, 200, 429]);
    expect(await append(first)).toBe(429);
    const other = await token('user-b', 'three');
    expect([await append(other), await append(other)]).toEqual([200, 200]);
    expect([await append(adminKey), await append(adminKey), await append(adminKey)]).toEqual([200, 200, 429]);
  });
});
