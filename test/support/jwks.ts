/**
 * An identity provider for tests: a JWKS served on 127.0.0.1 by a node:http server, with keys
 * made in the test (jose's generateKeyPair + exportJWK), and tokens signed with them. Keys can
 * be published later (rotation), and the server can be made to fail (an outage).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll } from 'vitest';

export type Algorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKey {
  readonly kid: string;
  readonly alg: Algorithm;
  readonly publicJwk: JWK;
  /** The public key as PEM (SPKI), for the HS256-with-the-public-key attack. */
  readonly publicPem: string;
  /** A token with these claims; `exp` defaults to 10 minutes from now. */
  sign(claims: Record<string, unknown>, header?: { kid?: string }): Promise<string>;
}

export interface Jwks {
  readonly url: URL;
  /** GET requests the server answered (or failed). */
  readonly fetches: number;
  /** A new key pair, not yet published. */
  createKey(alg: Algorithm, kid?: string): Promise<SigningKey>;
  /** Adds the key to the served set. */
  publish(key: SigningKey): void;
  /** While true, the server answers 503. */
  failing: boolean;
  close(): Promise<void>;
}

let kids = 0;

export async function startJwks(): Promise<Jwks> {
  const published: JWK[] = [];
  let fetches = 0;
  const server = createServer((request, response) => {
    fetches += 1;
    if (jwks.failing || request.method !== 'GET') {
      response.writeHead(503).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const jwks: Jwks = {
    url: new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`),
    get fetches() {
      return fetches;
    },
    failing: false,
    async createKey(alg, kid = `key-${++kids}`) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      const publicPem = await exportSPKI(publicKey);
      return {
        kid,
        alg,
        publicJwk,
        publicPem,
        sign: (claims, header = {}) =>
          new SignJWT({ exp: nowSeconds() + 600, ...claims })
            .setProtectedHeader({ alg, kid: header.kid ?? kid })
            .sign(privateKey),
      };
    },
    publish(key) {
      published.push(key.publicJwk);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return jwks;
}

/** Starts a JWKS server before the file's tests and stops it after them. */
export function useJwks(): () => Jwks {
  let jwks: Jwks | undefined;
  beforeAll(async () => {
    jwks = await startJwks();
  });
  afterAll(async () => {
    await jwks?.close();
  });
  return () => {
    if (!jwks) throw new Error('the JWKS server is not started yet');
    return jwks;
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned token (`alg: none`), as an attacker would write it. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ exp: nowSeconds() + 600, ...claims })}.`;
}

/** An HS256 token whose HMAC secret is the public key's PEM: the algorithm-confusion attack. */
export async function hmacWithPublicKey(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ exp: nowSeconds() + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .sign(new TextEncoder().encode(key.publicPem));
}
