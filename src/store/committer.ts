/**
 * Group commit: one committer per tenant per store instance. Appends that arrive while a
 * transaction is in flight wait and are committed together in the next TransactWriteItems:
 * the tenant counter update (conditioned on the position last seen), each stream's head
 * (conditioned on its version), and per event the stream item, the log entry and the
 * tenant-wide event-id claim (conditioned on not existing). Positions are therefore assigned inside the
 * transaction that stores the events: gap-free, in commit order, and a failed append
 * consumes none. A call may touch several streams (appendToStreams: appends, and conditions on
 * streams it does not write): it is committed whole or not at all, like any other. When a
 * condition fails, the cancellation reasons (with ALL_OLD items) say which call it was; that
 * call is answered, the others are committed again.
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
import { takeBatch } from './batch.js';
import { readCancellation } from './cancellation.js';
import type { StreamDeletion } from './deletion.js';
import { cancellationReasons, isTransactionCanceled, toStoreUnavailable } from './dynamo-errors.js';
import { StoreUnavailableError } from './errors.js';
import { CommitView, HeadCache } from './head-cache.js';
import { readHeads } from './heads.js';
import { toRecordedEvent, toStreamInfo } from './items.js';
import { streamPk } from './keys.js';
import type { PreparedAppend } from './prepare.js';
import type { CallPart } from './prepare-streams.js';
import { type PendingCall, RefusedCalls } from './refused-calls.js';
import { buildTransaction, type CommittedCall, type TransactionAction } from './transaction.js';
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

const maxCachedHeads = 10_000;

export class GroupCommitter {
  private readonly queue: PendingCall[] = [];
  private draining: Promise<void> | null = null;
  /** The tenant's last position as last seen; undefined when unknown. */
  private counter: number | undefined;
  /** Stream heads as last seen (null: known not to exist). Conditions keep them honest. */
  private readonly heads = new HeadCache(maxCachedHeads);
  /** Answers the calls that are not ready: refusals, replays, deletions to finish first. */
  private readonly refused: RefusedCalls;

  constructor(private readonly options: CommitterOptions) {
    this.refused = new RefusedCalls(options, this.heads);
  }

  async append(prepared: PreparedAppend): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ prepared, condition: false }], true);
    return result!;
  }

  /** Commits every part or none; one result per append, in input order. */
  appendToStreams(parts: readonly CallPart[], single = false): Promise<AppendResult[]> {
    return new Promise<AppendResult[]>((resolve, reject) => {
      const { tenant } = this.options;
      this.queue.push({
        parts: parts.map((part) => ({ ...part, pk: streamPk(tenant, part.prepared.stream) })),
        single,
        resolve,
        reject,
      });
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

  private async commit(batch: PendingCall[]): Promise<void> {
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
      for (const call of pending) call.reject(failure);
    }
  }

  /**
   * Decides each call on the heads this commit believes in (`head-cache.ts`): ready to be
   * written, answered (a refusal on fresh heads), or to be decided again after a read.
   */
  private async decideAll(
    pending: PendingCall[],
    view: CommitView,
  ): Promise<{ ready: PendingCall[]; again: PendingCall[] }> {
    const ready: PendingCall[] = [];
    const again: PendingCall[] = [];
    for (const call of pending) {
      const outcome = view.decideCall(call.parts);
      if (outcome === 'ready') ready.push(call);
      else if (outcome === 'read-again') again.push(call);
      else if ((await this.refused.carryOut(call, outcome.part, outcome.decision, view)) === 'retry')
        again.push(call);
    }
    return { ready, again };
  }

  /** Reads what the batch needs and the caches lack: the counter, and the heads `view.toRead` names. */
  private async loadUnknownState(pending: PendingCall[], view: CommitView): Promise<void> {
    const unknown = [...new Set(view.toRead(pending.flatMap((call) => call.parts)))];
    const needCounter = this.counter === undefined;
    if (unknown.length === 0 && !needCounter) return;
    const { client, table, tenant } = this.options;
    const found = await readHeads(client, table, unknown, needCounter ? tenant : undefined);
    view.readTogether(found.heads);
    if (found.position !== undefined) this.counter = found.position;
  }

  /**
   * One TransactWriteItems for the ready calls (`transaction.ts`). Answers the calls it can
   * (committed, or refused by a condition) and updates the caches from what DynamoDB returned.
   */
  private async tryTransaction(ready: PendingCall[], view: CommitView): Promise<PendingCall[]> {
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
        for (const part of ready.flatMap((call) => call.parts)) this.heads.forget(part.pk);
        throw error;
      }
      return this.handleCancellation(ready, cancellationReasons(error), transaction.actions, view);
    }

    this.counter = transaction.lastPosition;
    for (const committed of transaction.committed) this.answerCommitted(committed);
    observer?.onBatchCommitted?.(tenant, ready.length, transaction.events, performance.now() - started);
    observer?.onCommitted?.(tenant, transaction.lastPosition);
    return [];
  }

  /** A committed call: its heads remembered (a condition's as it held), its results given. */
  private answerCommitted({ call, appends }: CommittedCall<PendingCall>): void {
    for (const part of call.parts) if (part.condition) this.heads.remember(part.pk, part.decidedOn ?? null);
    for (const { append, head } of appends) this.heads.remember(append.pk, head);
    call.resolve(
      appends.map(({ head, events }) => ({
        stream: toStreamInfo(head),
        events: events.map(toRecordedEvent),
        replayed: false,
      })),
    );
  }

  /**
   * Learns from the failed conditions (`cancellation.ts`): the counter and the heads as they were
   * at commit time; answers the calls whose id claim failed when it can. Returns the calls to try again.
   */
  private async handleCancellation(
    ready: PendingCall[],
    reasons: CancellationReason[],
    actions: TransactionAction<PendingCall>[],
    view: CommitView,
  ): Promise<PendingCall[]> {
    const reading = readCancellation(reasons, actions);
    // null: a conflict with another transaction or an unexplained cancellation: re-read and retry.
    if (reading.counter !== undefined) this.counter = reading.counter ?? undefined;
    view.readTogether(reading.heads.map(({ pk, head }) => [pk, head] as const));
    const retry: PendingCall[] = [];
    for (const call of ready) {
      // A stream being deleted may hold only some of an append's claims (between two of the
      // deletion's transactions): finish the deletion first (the next attempt does), then the
      // ids are free. Claims are answered only against streams that are not being deleted.
      const beingDeleted = call.parts.some(({ pk }) => this.heads.get(pk)?.deleting === true);
      const claimFailed = reading.claimFailed.has(call) && !beingDeleted;
      if (claimFailed && (await this.refused.answerClaimRefusal(call, view)) === 'answered') continue;
      retry.push(call);
    }
    return retry;
  }
}
