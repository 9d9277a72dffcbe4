/**
 * Group commit: one committer per tenant per store instance. Appends that arrive while a
 * transaction is in flight wait and are committed together in the next TransactWriteItems:
 * the tenant counter update (conditioned on the position last seen), each stream's head
 * (conditioned on its version), and per event the stream item, the log entry and the
 * event-id claim (conditioned on not existing). Positions are therefore assigned inside the
 * transaction that stores the events: gap-free, in commit order, and a failed append
 * consumes none. When a condition fails, the cancellation reasons (with ALL_OLD items) say
 * which append it was; that append is answered, the others are committed again.
 *
 * Across processes nothing is shared but DynamoDB: the counter condition serializes the
 * committers of several gateways, and a conflict only costs a retry.
 */
import {
  type CancellationReason,
  type DynamoDBClient,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { type BackoffPolicy, backoffDelay, defaultBackoff, sleep } from './backoff.js';
import type { StreamDeletion } from './deletion.js';
import { cancellationReasons, isTransactionCanceled, toStoreUnavailable } from './dynamo-errors.js';
import { StoreUnavailableError } from './errors.js';
import { checkExpectedVersion } from './expected-version.js';
import { headOf, positionOf, readHeads } from './heads.js';
import { type HeadItem, toRecordedEvent, toStreamInfo } from './items.js';
import { streamPk } from './keys.js';
import type { PreparedAppend } from './prepare.js';
import { answerRefusal } from './replay.js';
import {
  buildTransaction,
  type TransactionAction,
  type TransactionAppend,
  takeBatch,
} from './transaction.js';
import type { AppendResult, StoreObserver } from './types.js';

export interface CommitterOptions {
  client: DynamoDBClient;
  table: string;
  tenant: string;
  observer?: StoreObserver;
  backoff?: BackoffPolicy;
  /** Attempts of one batch (conflicts, stale caches) before its appends fail as unavailable. */
  maxAttempts?: number;
  /** At most this many appends per transaction; 1 turns group commit off (for comparison). */
  maxAppendsPerBatch?: number;
  /** Finishes an interrupted deletion of a stream whose head has `deleting` set. */
  deletion: Pick<StreamDeletion, 'finish'>;
}

interface PendingAppend extends TransactionAppend {
  /**
   * The head the expected-version rule was applied to when the append was found ready. The
   * transaction writes on exactly this head, conditioned on it: the cache may change while the
   * batch is decided (a deletion through this store forgets the head), the decision may not.
   */
  decidedOn?: HeadItem | null;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

const maxCachedHeads = 10_000;

export class GroupCommitter {
  private readonly queue: PendingAppend[] = [];
  private draining: Promise<void> | null = null;
  /** The tenant's last position as last seen; undefined when unknown. */
  private counter: number | undefined;
  /** Stream heads as last seen (null: known not to exist). Conditions keep them honest. */
  private readonly heads = new Map<string, HeadItem | null>();

  constructor(private readonly options: CommitterOptions) {}

  append(prepared: PreparedAppend): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ prepared, pk: streamPk(this.options.tenant, prepared.stream), resolve, reject });
      if (this.draining === null) {
        // Start on the next microtask so that appends submitted in the same tick share a batch.
        this.draining = Promise.resolve().then(() => this.drain());
      }
    });
  }

  /** Resolves once every append submitted so far has been answered. */
  async idle(): Promise<void> {
    while (this.draining !== null) await this.draining;
  }

  /** Forgets a stream's cached head, e.g. after it was deleted. */
  forget(pk: string): void {
    this.heads.delete(pk);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.commit(takeBatch(this.queue, this.options.maxAppendsPerBatch));
      }
    } finally {
      this.draining = null;
    }
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 60;
    // Heads read from DynamoDB during this commit: refusals decided on them are authoritative.
    const fresh = new Set<string>();
    // Streams whose cached head predicted a refusal: read before deciding, not guessed.
    const mustRead = new Set<string>();
    let pending = batch;
    try {
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= maxAttempts) {
          throw new StoreUnavailableError('The append could not be committed under contention. Retry later.');
        }
        await this.loadUnknownState(pending, fresh, mustRead);

        const ready: PendingAppend[] = [];
        const reload: PendingAppend[] = [];
        for (const append of pending) {
          const head = this.heads.get(append.pk) ?? null;
          if (head?.deleting) {
            await this.options.deletion.finish(head);
            this.forgetFresh(append.pk, fresh);
            reload.push(append);
            continue;
          }
          const check = checkExpectedVersion(head, append.prepared.expectedVersion);
          if (check.ok) {
            append.decidedOn = head;
            ready.push(append);
          } else if (!fresh.has(append.pk)) {
            // The cache predicts a refusal; confirm on a fresh read before answering.
            this.forgetFresh(append.pk, fresh);
            mustRead.add(append.pk);
            reload.push(append);
          } else if ((await this.answerRefused(append, check.error, fresh)) === 'retry') {
            reload.push(append);
          }
        }
        if (reload.length > 0 || ready.length === 0) {
          pending = [...ready, ...reload];
          continue;
        }
        const retry = await this.tryTransaction(ready, fresh);
        if (retry.length > 0) await sleep(backoffDelay(attempt, this.options.backoff ?? defaultBackoff));
        pending = retry;
      }
    } catch (error) {
      const failure = toStoreUnavailable(error, 'TransactWriteItems');
      for (const append of pending) append.reject(failure);
    }
  }

  private forgetFresh(pk: string, fresh: Set<string>): void {
    this.heads.delete(pk);
    fresh.delete(pk);
  }

  /**
   * Reads what the batch needs and the caches lack: the counter, and the heads of streams
   * whose state decides the append. A stream never seen, appended to without an expected
   * version or with 0, is not read: it is written as new (`attribute_not_exists`), which is what
   * it almost always is; when it exists, the cancelled transaction returns its head (ALL_OLD)
   * and the append is retried. That saves a round trip on every first append to a stream.
   */
  private async loadUnknownState(
    pending: PendingAppend[],
    fresh: Set<string>,
    mustRead: Set<string>,
  ): Promise<void> {
    const unknown = pending.filter(
      (append) =>
        !this.heads.has(append.pk) && (mustRead.has(append.pk) || (append.prepared.expectedVersion ?? 0) > 0),
    );
    const needCounter = this.counter === undefined;
    if (unknown.length === 0 && !needCounter) return;
    const { client, table, tenant } = this.options;
    const found = await readHeads(
      client,
      table,
      unknown.map((append) => append.pk),
      needCounter ? tenant : undefined,
    );
    for (const [pk, head] of found.heads) {
      this.rememberHead(pk, head);
      fresh.add(pk);
    }
    if (found.position !== undefined) this.counter = found.position;
  }

  private rememberHead(pk: string, head: HeadItem | null): void {
    this.heads.delete(pk);
    this.heads.set(pk, head);
    if (this.heads.size > maxCachedHeads) {
      const oldest = this.heads.keys().next().value;
      if (oldest !== undefined) this.heads.delete(oldest);
    }
  }

  /**
   * One TransactWriteItems for the ready appends (`transaction.ts`). Answers the appends it can
   * (committed, or refused by a condition) and updates the caches from what DynamoDB returned.
   */
  private async tryTransaction(ready: PendingAppend[], fresh: Set<string>): Promise<PendingAppend[]> {
    const { client, tenant, table, observer } = this.options;
    const transaction = buildTransaction(ready, {
      tenant,
      table,
      seenPosition: this.counter ?? 0,
      now: new Date().toISOString(),
    });
    const started = performance.now();
    try {
      await client.send(
        new TransactWriteItemsCommand({ TransactItems: transaction.actions.map((action) => action.write) }),
      );
    } catch (error) {
      if (!isTransactionCanceled(error)) {
        // The outcome is unknown (a timeout may still commit): forget what we believed.
        this.counter = undefined;
        for (const append of ready) this.heads.delete(append.pk);
        throw error;
      }
      return this.handleCancellation(ready, cancellationReasons(error), transaction.actions, fresh);
    }

    this.counter = transaction.lastPosition;
    for (const { append, head, events } of transaction.committed) {
      this.rememberHead(append.pk, head);
      append.resolve({ stream: toStreamInfo(head), events: events.map(toRecordedEvent), replayed: false });
    }
    observer?.onBatchCommitted?.(tenant, ready.length, transaction.events, performance.now() - started);
    observer?.onCommitted?.(tenant, transaction.lastPosition);
    return [];
  }

  /** Reads the reasons of a cancelled transaction; returns the appends to try again. */
  private async handleCancellation(
    ready: PendingAppend[],
    reasons: CancellationReason[],
    actions: TransactionAction<PendingAppend>[],
    fresh: Set<string>,
  ): Promise<PendingAppend[]> {
    const claimFailed = this.readReasons(reasons, actions, fresh);
    const retry: PendingAppend[] = [];
    for (const append of ready) {
      // A stream being deleted may hold only some of an append's claims (between two of the
      // deletion's transactions): finish the deletion first (the next attempt does), then the
      // ids are free. Claims are answered only against a stream that is not being deleted.
      const beingDeleted = this.heads.get(append.pk)?.deleting === true;
      if (
        claimFailed.has(append) &&
        !beingDeleted &&
        (await this.answerRefused(append, null, fresh)) === 'answered'
      )
        continue;
      retry.push(append);
    }
    return retry;
  }

  /**
   * Learns from the failed conditions (reasons come in the order of the actions): the counter
   * and the heads as they were at commit time (ALL_OLD). Returns the appends whose id claim failed.
   */
  private readReasons(
    reasons: CancellationReason[],
    actions: TransactionAction<PendingAppend>[],
    fresh: Set<string>,
  ): Set<PendingAppend> {
    const claimFailed = new Set<PendingAppend>();
    let explained = false;
    reasons.forEach((reason, index) => {
      if (reason.Code !== 'ConditionalCheckFailed') return;
      explained = true;
      const owner = actions[index]?.owner;
      if (owner === null || owner === undefined) {
        this.counter = positionOf(reason.Item);
      } else if (owner.kind === 'head') {
        // ALL_OLD is the head as it was at commit time: authoritative for the refusal.
        this.rememberHead(owner.append.pk, headOf(reason.Item));
        fresh.add(owner.append.pk);
      } else if (owner.kind === 'claim') {
        claimFailed.add(owner.append);
      }
    });
    if (!explained) {
      // A conflict with another transaction or an unexplained cancellation: re-read and retry.
      this.counter = undefined;
    }
    return claimFailed;
  }

  /** Answers an append that a condition refused (`replay.ts`), or says to try it again. */
  private async answerRefused(
    append: PendingAppend,
    error: Error | null,
    fresh: Set<string>,
  ): Promise<'answered' | 'retry'> {
    const answer = await answerRefusal(this.options, append.prepared, append.pk, error);
    if (answer.kind === 'retry') {
      // Whatever we believed of this head no longer decides anything: read it again.
      this.forgetFresh(append.pk, fresh);
      return 'retry';
    }
    if (answer.kind === 'rejected') {
      append.reject(answer.error);
    } else {
      this.rememberHead(append.pk, answer.head);
      append.resolve(answer.result);
    }
    return 'answered';
  }
}
