/**
 * The TokenVerifier for JWTs (src/auth/authenticator.ts routes tokens here): signatures
 * checked against a remote JWKS with `jose`, asymmetric algorithms only, `exp` required,
 * `nbf`, `iss` and `aud` honoured with 5 s of clock tolerance; claims mapped to a Principal by
 * src/auth/token-claims.ts.
 *
 * - The key set is fetched on the first token, kept (jose refetches it after 10 minutes), and
 *   refetched at once when a token names an unknown `kid`, at most once per cooldown (30 s).
 *   A fetch that fails or takes more than 5 s makes tokens "invalid"; a warning is logged once
 *   per run of failures, and no new fetch is tried for a second after one failed.
 * - A verified token is kept by its signature (the third segment) until it expires, in a
 *   bounded LRU, so that its verification is paid once, not per request. Only a token that
 *   verified (so whose `nbf` holds) is kept; a hit checks the whole signed part too.
 * - Why a token was refused reaches the client as "expired" or "invalid", no more: jose's
 *   messages stay here, and neither a token nor a key is ever logged.
 */
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import type { JwtConfig } from '../config/jwt.js';
import type { Logger } from '../observability/logger.js';
import type { TokenVerifier } from './authenticator.js';
import type { Authentication, Principal } from './principal.js';
import { principalOfClaims } from './token-claims.js';

/** Only asymmetric signatures: never `none`, never HMAC (whose "secret" could be a public key). */
export const jwtAlgorithms = ['RS256', 'ES256', 'EdDSA'] as const;
export const clockToleranceSeconds = 5;
/** How many verified tokens are kept at most. */
export const defaultTokenCacheSize = 10_000;
/** After a failed key set fetch, how long tokens needing a fetch are refused without trying again. */
const fetchRetryFloorMs = 1_000;

/** Counters for tests, benchmarks and metrics. */
export interface JwtVerifierStats {
  /** Signature verifications run (cache misses). */
  verifications: number;
  /** Tokens answered from the cache. */
  cacheHits: number;
  /** Key set fetches started. */
  jwksFetches: number;
}

export interface JwtVerifier extends TokenVerifier {
  readonly stats: Readonly<JwtVerifierStats>;
}

interface CachedToken {
  /** `header.payload`: a hit must be the very token that verified, not only its signature. */
  readonly signed: string;
  readonly principal: Principal;
  /** Until when the token is accepted (exp plus the clock tolerance), in ms since the epoch. */
  readonly until: number;
}

export function createJwtVerifier(
  config: JwtConfig,
  logger: Logger,
  options: { cacheSize?: number } = {},
): JwtVerifier {
  const stats: JwtVerifierStats = { verifications: 0, cacheHits: 0, jwksFetches: 0 };
  const keys = remoteKeys(config, logger, stats);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...jwtAlgorithms],
    requiredClaims: ['exp'],
    clockTolerance: clockToleranceSeconds,
    ...(config.issuer !== null ? { issuer: config.issuer } : {}),
    ...(config.audience !== null ? { audience: config.audience } : {}),
  };
  const cache = new TokenCache(options.cacheSize ?? defaultTokenCacheSize);
  // Concurrent requests with the same new token share one verification.
  const pending = new Map<string, Promise<Authentication>>();

  const verifyUncached = async (
    token: string,
    signed: string,
    signature: string,
  ): Promise<Authentication> => {
    stats.verifications += 1;
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, keys, verifyOptions));
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
    const principal = principalOfClaims(payload, config.claims, token);
    if (principal === null) return { ok: false, reason: 'invalid' };
    const until = (principal.expiresAt?.getTime() ?? 0) + clockToleranceSeconds * 1000;
    if (Date.now() < until) cache.set(signature, { signed, principal, until });
    return { ok: true, principal };
  };

  return {
    stats,
    verify(token) {
      const parts = token.split('.');
      const signature = parts[2];
      if (parts.length !== 3 || signature === undefined || signature === '')
        return Promise.resolve({ ok: false, reason: 'invalid' });
      const signed = `${parts[0]}.${parts[1]}`;
      const cached = cache.get(signature);
      if (cached !== undefined && cached.signed === signed) {
        stats.cacheHits += 1;
        if (Date.now() < cached.until) return Promise.resolve({ ok: true, principal: cached.principal });
        cache.delete(signature);
        return Promise.resolve({ ok: false, reason: 'expired' });
      }
      let verification = pending.get(token);
      if (verification === undefined) {
        verification = verifyUncached(token, signed, signature).finally(() => pending.delete(token));
        pending.set(token, verification);
      }
      return verification;
    },
  };
}

/**
 * jose's remote key set, with its fetches counted and watched: a failure is logged once until
 * a fetch succeeds again, and for a second after one no fetch is tried (so that a burst of new
 * tokens during an outage does not become a burst of fetches).
 */
function remoteKeys(config: JwtConfig, logger: Logger, stats: JwtVerifierStats): JWTVerifyGetKey {
  const where = `${config.jwksUrl.origin}${config.jwksUrl.pathname}`;
  let failedAt = Number.NEGATIVE_INFINITY;
  let failing = false;
  const failed = (why: string) => {
    failedAt = Date.now();
    if (failing) return;
    failing = true;
    logger.warn(
      `JWT: fetching the key set from ${where} failed (${why}); tokens are refused until it answers.`,
    );
  };
  return createRemoteJWKSet(config.jwksUrl, {
    cooldownDuration: config.jwksCooldownMs,
    timeoutDuration: config.jwksTimeoutMs,
    [customFetch]: async (url, init) => {
      if (Date.now() - failedAt < fetchRetryFloorMs) throw new Error('the key set is unavailable');
      stats.jwksFetches += 1;
      try {
        const response = await fetch(url, init);
        if (response.status !== 200) failed(`HTTP ${response.status}`);
        else if (failing) {
          failing = false;
          logger.info(`JWT: the key set at ${where} answers again.`);
        }
        return response;
      } catch (error) {
        failed(error instanceof Error ? error.name : 'error');
        throw error;
      }
    },
  });
}

/** A bounded map in least-recently-used order (a Map keeps insertion order). */
class TokenCache {
  private readonly entries = new Map<string, CachedToken>();

  constructor(private readonly maxSize: number) {}

  get(signature: string): CachedToken | undefined {
    const entry = this.entries.get(signature);
    if (entry !== undefined) {
      this.entries.delete(signature);
      this.entries.set(signature, entry);
    }
    return entry;
  }

  set(signature: string, entry: CachedToken): void {
    this.entries.delete(signature);
    this.entries.set(signature, entry);
    if (this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(signature: string): void {
    this.entries.delete(signature);
  }
}
