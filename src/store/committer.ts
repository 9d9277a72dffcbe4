/**
 * Group commit: one committer per tenant per store instance. Appends that arrive while a
 * transaction is in flight wait and are committed together in the next TransactWriteItems:
 * the tenant counter update (conditioned on the position last seen), each stream's head
 * (conditioned on its version), and per event the stream item, the log entry and the
 * tenant-wide event-id claim (conditioned on not existing). Positions are therefore assigned inside the
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
import { CommitView, type Decision, HeadCache } from './head-cache.js';
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
  private readonly heads = new HeadCache(maxCachedHeads);

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
    this.heads.forget(pk);
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
    const view = new CommitView(this.heads);
    let pending = batch;
    try {
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= maxAttempts) {
          throw new StoreUnavailableError('The append could not be committed under contention. Retry later.');
        }
        await this.loadUnknownState(pending, view);
        const { ready, again } = await this.decideAll(pending, view);
        if (again.length > 0 || ready.length === 0) {
          pending = [...ready, ...again];
          continue;
        }
        const retry = await this.tryTransaction(ready, view);
        if (retry.length > 0) await sleep(backoffDelay(attempt, this.options.backoff ?? defaultBackoff));
        pending = retry;
      }
    } catch (error) {
      const failure = toStoreUnavailable(error, 'TransactWriteItems');
      for (const append of pending) append.reject(failure);
    }
  }

  /**
   * Decides each append on the head this commit believes in (`head-cache.ts`): ready to be
   * written, answered (a refusal on a fresh head), or to be decided again after a read.
   */
  private async decideAll(
    pending: PendingAppend[],
    view: CommitView,
  ): Promise<{ ready: PendingAppend[]; again: PendingAppend[] }> {
    const ready: PendingAppend[] = [];
    const again: PendingAppend[] = [];
    for (const append of pending) {
      const decision = view.decide(append.pk, append.prepared.expectedVersion);
      if (decision.kind === 'ready') {
        append.decidedOn = decision.head;
        ready.push(append);
      } else if ((await this.carryOut(append, decision, view)) === 'retry') {
        again.push(append);
      }
    }
    return { ready, again };
  }

  private async carryOut(
    append: PendingAppend,
    decision: Exclude<Decision, { kind: 'ready' }>,
    view: CommitView,
  ): Promise<'answered' | 'retry'> {
    switch (decision.kind) {
      case 'finish-deletion':
        await this.options.deletion.finish(decision.head);
        view.distrust(append.pk);
        return 'retry';
      case 'confirm':
        view.confirm(append.pk);
        return 'retry';
      case 'refuse':
        return this.answerRefused(append, decision.error, view);
    }
  }

  /** Reads what the batch needs and the caches lack: the counter, and the heads `view.toRead` names. */
  private async loadUnknownState(pending: PendingAppend[], view: CommitView): Promise<void> {
    const unknown = view.toRead(pending);
    const needCounter = this.counter === undefined;
    if (unknown.length === 0 && !needCounter) return;
    const { client, table, tenant } = this.options;
    const found = await readHeads(client, table, unknown, needCounter ? tenant : undefined);
    for (const [pk, head] of found.heads) view.read(pk, head);
    if (found.position !== undefined) this.counter = found.position;
  }

  /**
   * One TransactWriteItems for the ready appends (`transaction.ts`). Answers the appends it can
   * (committed, or refused by a condition) and updates the caches from what DynamoDB returned.
   */
  private async tryTransaction(ready: PendingAppend[], view: CommitView): Promise<PendingAppend[]> {
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
        for (const append of ready) this.heads.forget(append.pk);
        throw error;
      }
      return this.handleCancellation(ready, cancellationReasons(error), transaction.actions, view);
    }

    this.counter = transaction.lastPosition;
    for (const { append, head, events } of transaction.committed) {
      this.heads.remember(append.pk, head);
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
    view: CommitView,
  ): Promise<PendingAppend[]> {
    const claimFailed = this.readReasons(reasons, actions, view);
    const retry: PendingAppend[] = [];
    for (const append of ready) {
      // A stream being deleted may hold only some of an append's claims (between two of the
      // deletion's transactions): finish the deletion first (the next attempt does), then the
      // ids are free. Claims are answered only against a stream that is not being deleted.
      const beingDeleted = this.heads.get(append.pk)?.deleting === true;
      if (
        claimFailed.has(append) &&
        !beingDeleted &&
        (await this.answerRefused(append, null, view)) === 'answered'
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
    view: CommitView,
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
        view.read(owner.append.pk, headOf(reason.Item));
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
    view: CommitView,
  ): Promise<'answered' | 'retry'> {
    const answer = await answerRefusal(this.options, append.prepared, append.pk, error);
    if (answer.kind === 'retry') {
      // A stream being deleted still holds some of the ids: finish it, then they are free.
      if (answer.finish) {
        await this.options.deletion.finish(answer.finish);
        this.heads.forget(answer.finish.pk);
      }
      // Whatever we believed of this head no longer decides anything: read it again.
      view.distrust(append.pk);
      return 'retry';
    }
    if (answer.kind === 'rejected') {
      append.reject(answer.error);
    } else {
      this.heads.remember(append.pk, answer.head);
      append.resolve(answer.result);
    }
    return 'answered';
  }
}
