/**
 * Restrictions by category and stream id: a principal restricted to `categories` and/or
 * `streamIds` may only see and write the streams whose category is in `categories` OR whose id
 * is in `streamIds` (a null list contributes nothing). A pure predicate over a stream's
 * identity: the restricted store view (`restricted-store.ts`), the log reads
 * (`compileEventFilter`) and the subscription hub all decide with it.
 */
import { validate as isUuid } from 'uuid';

/** Who may see what, as a token's claims give it; both null: no restriction. */
export interface RestrictionClaims {
  readonly categories?: readonly string[] | null | undefined;
  readonly streamIds?: readonly string[] | null | undefined;
}

export class StreamRestriction {
  /** The allowed categories; null: none by category. */
  readonly categories: ReadonlySet<string> | null;
  /** The allowed stream ids, lower case; null: none by id. */
  readonly streamIds: ReadonlySet<string> | null;

  private constructor(categories: readonly string[] | null, streamIds: readonly string[] | null) {
    this.categories = categories === null ? null : new Set(categories);
    // Ids are stored lower case. A claim that is no UUID names no stream: it allows nothing.
    this.streamIds =
      streamIds === null ? null : new Set(streamIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()));
  }

  /** The restriction the claims describe; null when they restrict nothing (both lists null). */
  static of(claims: RestrictionClaims): StreamRestriction | null {
    const categories = claims.categories ?? null;
    const streamIds = claims.streamIds ?? null;
    if (categories === null && streamIds === null) return null;
    return new StreamRestriction(categories, streamIds);
  }

  /** True when the stream (id, category) may be seen and written. */
  allows(stream: { readonly id: string; readonly category: string | null }): boolean {
    return (
      (stream.category !== null && this.categories?.has(stream.category) === true) ||
      this.streamIds?.has(stream.id) === true
    );
  }
}
