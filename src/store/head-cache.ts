/**
 * What the committer believes of stream heads, and the decision it takes on each append.
 *
 * Across commits the committer caches heads (null: known not to exist). The cache only saves
 * reads: every write is conditioned on what it believed, so a stale entry costs a retry, never a
 * wrong write. Within one commit (`CommitView`), a refusal is decided only on a head read from
 * DynamoDB during that commit ("fresh": a GetItem, a BatchGetItem or a cancelled transaction's
 * ALL_OLD item); a cached head that predicts a refusal is read again before anything is
 * answered.
 */
import type { EventStoreError, RefusedStream } from './errors.js';
import { checkCondition, checkExpectedVersion } from './expected-version.js';
import type { HeadItem } from './items.js';
import type { TransactionAppend } from './transaction.js';

/** Heads as last seen, at most `max` of them (the least recently remembered go first). */
export class HeadCache {
  private readonly heads = new Map<string, HeadItem | null>();

  constructor(private readonly max: number) {}

  has(pk: string): boolean {
    return this.heads.has(pk);
  }

  /** The head as last seen; null when known not to exist or not known at all (see `has`). */
  get(pk: string): HeadItem | null {
    return this.heads.get(pk) ?? null;
  }

  remember(pk: string, head: HeadItem | null): void {
    this.heads.delete(pk);
    this.heads.set(pk, head);
    if (this.heads.size > this.max) {
      const oldest = this.heads.keys().next().value;
      if (oldest !== undefined) this.heads.delete(oldest);
    }
  }

  forget(pk: string): void {
    this.heads.delete(pk);
  }
}

/**
 * What to do with an append, given the head believed in and whether it was read during this
 * commit: finish the stream's deletion first; write it (on exactly this head); confirm a
 * predicted refusal on a fresh read; or refuse it.
 */
export type Decision =
  | { kind: 'finish-deletion'; head: HeadItem }
  | { kind: 'ready'; head: HeadItem | null }
  | { kind: 'confirm' }
  | { kind: 'refuse'; error: EventStoreError };

/** `condition`: the stream is not written, only its version checked (appendToStreams). */
export function decide(
  head: HeadItem | null,
  fresh: boolean,
  expectedVersion: number | null,
  stream?: RefusedStream,
  condition = false,
): Decision {
  if (head?.deleting) return { kind: 'finish-deletion', head };
  const check =
    condition && expectedVersion !== null
      ? checkCondition(head, expectedVersion, stream)
      : checkExpectedVersion(head, expectedVersion, stream);
  if (check.ok) return { kind: 'ready', head };
  // The cache predicts a refusal; confirm on a fresh read before answering.
  return fresh ? { kind: 'refuse', error: check.error } : { kind: 'confirm' };
}

/** One commit's view of the head cache: which heads it read itself, which it must read. */
export class CommitView {
  /**
   * Heads read from DynamoDB during this commit, each with the read it came from (one
   * BatchGetItem, or one cancelled transaction's reasons): refusals decided on them are
   * authoritative when every stream they depend on came from the same read.
   */
  private readonly fresh = new Map<string, number>();
  private reads = 0;
  /** Streams whose cached head predicted a refusal: read before deciding, not guessed. */
  private readonly mustRead = new Set<string>();

  constructor(private readonly heads: HeadCache) {}

  /**
   * The streams whose head must be read before their append is decided. A stream never seen,
   * appended to without an expected version or with 0, is not read: it is written as new
   * (`attribute_not_exists`), which is what it almost always is; when it exists, the cancelled
   * transaction returns its head (ALL_OLD) and the append is retried.
   */
  toRead(appends: readonly { pk: string; prepared: { expectedVersion: number | null } }[]): string[] {
    return appends
      .filter(
        ({ pk, prepared }) =>
          !this.heads.has(pk) && (this.mustRead.has(pk) || (prepared.expectedVersion ?? 0) > 0),
      )
      .map(({ pk }) => pk);
  }

  /** Heads as DynamoDB held them at one time: one read, or one cancelled transaction's reasons. */
  readTogether(heads: Iterable<readonly [string, HeadItem | null]>): void {
    this.reads++;
    for (const [pk, head] of heads) {
      this.heads.remember(pk, head);
      this.fresh.set(pk, this.reads);
    }
  }

  /** Whatever was believed of this head no longer decides anything. */
  distrust(pk: string): void {
    this.heads.forget(pk);
    this.fresh.delete(pk);
  }

  /** The decision on an append to `pk` (named `stream` in a refusal), on the head as believed now. */
  decide(pk: string, expectedVersion: number | null, stream?: RefusedStream, condition = false): Decision {
    return decide(this.heads.get(pk), this.fresh.has(pk), expectedVersion, stream, condition);
  }

  /**
   * Decides a call's streams in input order (each ready one's `decidedOn` is set): 'ready' when
   * all are, else the first that is not, with its decision. A refusal names the first stream
   * that fails, so it waits ('read-again') until that stream and every one before it were read
   * together during this commit: a cached head may hide an earlier failure, and so may a head
   * read at another time (an earlier stream may have failed when this one was read, and hold
   * only since, after this one moved on).
   */
  decideCall(
    parts: readonly TransactionAppend[],
  ): 'ready' | 'read-again' | { part: TransactionAppend; decision: Exclude<Decision, { kind: 'ready' }> } {
    for (const [index, part] of parts.entries()) {
      const { prepared } = part;
      const decision = this.decide(part.pk, prepared.expectedVersion, prepared.stream, part.condition);
      if (decision.kind === 'ready') {
        part.decidedOn = decision.head;
        continue;
      }
      if (decision.kind !== 'refuse' || this.readTogetherUpTo(parts, index)) return { part, decision };
      for (const { pk } of parts.slice(0, index + 1)) this.confirm(pk);
      return 'read-again';
    }
    return 'ready';
  }

  /** Whether the heads of `parts` up to `index` (included) all came from one read. */
  private readTogetherUpTo(parts: readonly TransactionAppend[], index: number): boolean {
    const reads = new Set(parts.slice(0, index + 1).map(({ pk }) => this.fresh.get(pk)));
    return reads.size === 1 && !reads.has(undefined);
  }

  /** Carries out a 'confirm': the head is read again before the append is decided. */
  confirm(pk: string): void {
    this.distrust(pk);
    this.mustRead.add(pk);
  }
}
