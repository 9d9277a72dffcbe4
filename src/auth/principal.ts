/**
 * Who is calling: the principal an API key or a token describes, and the scopes it may use.
 * Transport-free: HTTP, SSE and WebSocket all get a Principal from the same Authenticator.
 */

/** Every scope, in the order `Viewer.scopes` lists them (sorted). */
export const allScopes = ['append', 'consume', 'delete', 'manage', 'read', 'snapshot', 'subscribe'] as const;
export type Scope = (typeof allScopes)[number];

export function isScope(value: string): value is Scope {
  return (allScopes as readonly string[]).includes(value);
}

export interface Principal {
  /** An API key, a verified token, or nobody (no credentials configured). */
  readonly kind: 'key' | 'token' | 'anonymous';
  readonly tenant: string;
  readonly scopes: ReadonlySet<Scope>;
  /** Only streams of these categories (or of `streamIds`); null: no restriction by category. */
  readonly categories: readonly string[] | null;
  /** Only these streams (or those of `categories`); null: no restriction by stream id. */
  readonly streamIds: readonly string[] | null;
  /** When the token expires; null for an API key or without authentication. */
  readonly expiresAt: Date | null;
  /**
   * Names the principal in rate limits and logs without revealing it: a digest prefix of a
   * key, a token's subject. Never the key or the token.
   */
  readonly id: string;
}

/** Why credentials were refused; the client learns no more than "expired" or "invalid". */
export type RefusalReason = 'missing' | 'invalid' | 'expired';

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: RefusalReason };

export function everyScope(): ReadonlySet<Scope> {
  return new Set(allScopes);
}
