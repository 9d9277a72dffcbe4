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
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { type BackoffPolicy, backoffDelay, defaultBackoff, sleep } from './backoff.js';
import type { StreamDeletion } from './deletion.js';
import { isTransactionCanceled, toStoreUnavailable } from './dynamo-errors.js';
import { batchGetItems, itemKey } from './dynamo-ops.js';
import { StoreUnavailableError } from './errors.js';
import { checkExpectedVersion } from './expected-version.js';
import { appendCondition } from './head-conditions.js';
import {
  type EventIdClaimItem,
  type EventItem,
  fromItem,
  type HeadItem,
  type Item,
  type ListingItem,
  toItem,
  toRecordedEvent,
  toStreamInfo,
} from './items.js';
import {
  counterPk,
  counterSk,
  eventIdSk,
  eventSk,
  headSk,
  logPk,
  positionSk,
  streamListPk,
  streamListSk,
  streamPk,
} from './keys.js';
import { maxTransactionActions, maxTransactionBytes } from './limits.js';
import type { PreparedAppend } from './prepare.js';
import { answerRefusal } from './replay.js';
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

interface PendingAppend {
  prepared: PreparedAppend;
  pk: string;
  /**
   * The head the expected-version rule was applied to when the append was found ready. The
   * transaction writes on exactly this head, conditioned on it: the cache may change while the
   * batch is decided (a deletion through this store forgets the head), the decision may not.
   */
  decidedOn?: HeadItem | null;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** Per event: stream item, log entry, id claim. Per append: the head. */
function actionsOf(append: PendingAppend): number {
  return 1 + 3 * append.prepared.events.length + 1; // + the listing item of a new stream
}

function bytesOf(append: PendingAppend): number {
  // Data and metadata are stored twice (stream item and log entry), plus keys and attributes.
  return 2 * append.prepared.bytes + 600 * append.prepared.events.length + 600;
}

const maxCachedHeads = 10_000;

export class GroupCommitter {
  private readonly queue: PendingAppend[] = [];
  private draining: Promise<void> | null = null;
  /** The tenant's last position as last seen; undefined when unknown. */
  private counter: number | undefined;
  /** Stream heads as last seen (null: known not to exist). Conditions keep them honest. */
  private readonly heads = new Map<string, HeadItem | null>();
  private readonly counterKey: Item;

  constructor(private readonly options: CommitterOptions) {
    this.counterKey = toItem({ pk: counterPk(options.tenant), sk: counterSk });
  }

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
        await this.commit(this.takeBatch());
      }
    } finally {
      this.draining = null;
    }
  }

  /** The oldest appends that fit one transaction, at most one per stream (DynamoDB refuses two actions on one item). */
  private takeBatch(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    const streams = new Set<string>();
    let actions = 1; // the counter
    let bytes = 0;
    const maxAppends = this.options.maxAppendsPerBatch ?? Number.POSITIVE_INFINITY;
    for (let index = 0; index < this.queue.length && batch.length < maxAppends; ) {
      const append = this.queue[index]!;
      if (streams.has(append.pk)) {
        index++;
        continue;
      }
      const nextActions = actions + actionsOf(append);
      const nextBytes = bytes + bytesOf(append);
      if (batch.length > 0 && (nextActions > maxTransactionActions || nextBytes > maxTransactionBytes)) break;
      batch.push(append);
      streams.add(append.pk);
      actions = nextActions;
      bytes = nextBytes;
      this.queue.splice(index, 1);
    }
    return batch;
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
    const keys = unknown.map((append) => toItem({ pk: append.pk, sk: headSk }));
    if (needCounter) keys.push(this.counterKey);
    const found = await batchGetItems(this.options.client, this.options.table, keys);
    for (const append of unknown) {
      const item = found.get(itemKey(append.pk, headSk));
      this.rememberHead(append.pk, item ? fromItem<HeadItem>(item) : null);
      fresh.add(append.pk);
    }
    if (needCounter) {
      const item = found.get(itemKey(counterPk(this.options.tenant), counterSk));
      this.counter = item ? fromItem<{ position: number }>(item).position : 0;
    }
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
   * One TransactWriteItems for the ready appends. Answers the appends it can (committed, or
   * refused by a condition) and updates the caches from what DynamoDB returned.
   */
  private async tryTransaction(ready: PendingAppend[], fresh: Set<string>): Promise<PendingAppend[]> {
    const { tenant, table } = this.options;
    const seenPosition = this.counter ?? 0;
    const now = new Date().toISOString();
    const actions: TransactWriteItem[] = [];
    const owners: Array<{ append: PendingAppend; kind: 'head' | 'claim' | 'other' } | null> = [];
    const committed: Array<{ append: PendingAppend; head: HeadItem; events: EventItem[] }> = [];

    let position = seenPosition;
    const totalEvents = ready.reduce((sum, append) => sum + append.prepared.events.length, 0);
    actions.push({
      Put: {
        TableName: table,
        Item: toItem({ pk: counterPk(tenant), sk: counterSk, position: seenPosition + totalEvents }),
        ConditionExpression: seenPosition === 0 ? 'attribute_not_exists(pk)' : '#position = :seen',
        ...(seenPosition === 0
          ? {}
          : {
              ExpressionAttributeNames: { '#position': 'position' },
              ExpressionAttributeValues: toItem({ ':seen': seenPosition }),
            }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
    owners.push(null);

    for (const append of ready) {
      const { prepared, pk } = append;
      const old = append.decidedOn ?? null;
      const firstVersion = (old?.version ?? 0) + 1;
      const lastVersion = old === null ? prepared.events.length : old.version + prepared.events.length;
      // A new stream's incarnation is the position of its first event: unique in the tenant,
      // and greater than that of any earlier incarnation of the same stream.
      const incarnation = old === null ? position + 1 : old.incarnation;
      const head: HeadItem = {
        pk,
        sk: headSk,
        streamId: prepared.stream.id,
        category: prepared.stream.category,
        name: old?.name ?? prepared.stream.name,
        versioned: old?.versioned ?? prepared.expectedVersion !== null,
        version: lastVersion,
        createdAt: old?.createdAt ?? now,
        updatedAt: now,
        ...(incarnation === undefined ? {} : { incarnation }),
      };
      actions.push({
        Put: {
          TableName: table,
          Item: toItem(head),
          // Conditioned on everything the decision read from the cache (incarnation included),
          // so a stale cache costs a retry, never a write into another incarnation.
          ...(old === null ? { ConditionExpression: 'attribute_not_exists(pk)' } : appendCondition(old)),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
      owners.push({ append, kind: 'head' });
      if (old === null) {
        const listing: ListingItem = {
          pk: streamListPk(tenant),
          sk: streamListSk(prepared.stream),
          streamId: prepared.stream.id,
          category: prepared.stream.category,
          name: prepared.stream.name,
        };
        actions.push({ Put: { TableName: table, Item: toItem(listing) } });
        owners.push({ append, kind: 'other' });
      }
      const events: EventItem[] = [];
      prepared.events.forEach((event, index) => {
        position += 1;
        const version = firstVersion + index;
        const item: EventItem = {
          pk,
          sk: eventSk(version),
          eventId: event.id,
          type: event.type,
          data: event.data,
          metadata: event.metadata,
          streamId: prepared.stream.id,
          category: prepared.stream.category,
          streamName: head.name,
          version,
          position,
          recordedAt: now,
          ...(incarnation === undefined ? {} : { incarnation }),
        };
        events.push(item);
        actions.push({ Put: { TableName: table, Item: toItem(item) } });
        owners.push({ append, kind: 'other' });
        actions.push({
          Put: { TableName: table, Item: toItem({ ...item, pk: logPk(tenant), sk: positionSk(position) }) },
        });
        owners.push({ append, kind: 'other' });
        const claim: EventIdClaimItem = {
          pk,
          sk: eventIdSk(event.id),
          version,
          appendFirstVersion: firstVersion,
          appendSize: prepared.events.length,
          ...(incarnation === undefined ? {} : { incarnation }),
        };
        actions.push({
          Put: {
            TableName: table,
            Item: toItem(claim),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        });
        owners.push({ append, kind: 'claim' });
      });
      committed.push({ append, head, events });
    }

    const started = performance.now();
    try {
      await this.options.client.send(new TransactWriteItemsCommand({ TransactItems: actions }));
    } catch (error) {
      if (!isTransactionCanceled(error)) {
        // The outcome is unknown (a timeout may still commit): forget what we believed.
        this.counter = undefined;
        for (const append of ready) this.heads.delete(append.pk);
        throw error;
      }
      const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
      return this.handleCancellation(ready, reasons, owners, fresh);
    }

    this.counter = position;
    for (const { append, head, events } of committed) {
      this.rememberHead(append.pk, head);
      append.resolve({ stream: toStreamInfo(head), events: events.map(toRecordedEvent), replayed: false });
    }
    this.options.observer?.onBatchCommitted?.(tenant, ready.length, totalEvents, performance.now() - started);
    this.options.observer?.onCommitted?.(tenant, position);
    return [];
  }

  /** Reads the reasons of a cancelled transaction; returns the appends to try again. */
  private async handleCancellation(
    ready: PendingAppend[],
    reasons: CancellationReason[],
    owners: Array<{ append: PendingAppend; kind: 'head' | 'claim' | 'other' } | null>,
    fresh: Set<string>,
  ): Promise<PendingAppend[]> {
    const claimFailed = new Set<PendingAppend>();
    let explained = false;
    reasons.forEach((reason, index) => {
      if (reason.Code !== 'ConditionalCheckFailed') return;
      explained = true;
      const owner = owners[index];
      if (owner === null || owner === undefined) {
        this.counter = reason.Item ? fromItem<{ position: number }>(reason.Item).position : 0;
        return;
      }
      if (owner.kind === 'head') {
        // ALL_OLD is the head as it was at commit time: authoritative for the refusal.
        this.rememberHead(owner.append.pk, reason.Item ? fromItem<HeadItem>(reason.Item) : null);
        fresh.add(owner.append.pk);
      } else if (owner.kind === 'claim') {
        claimFailed.add(owner.append);
      }
    });
    if (!explained) {
      // A conflict with another transaction or an unexplained cancellation: re-read and retry.
      this.counter = undefined;
    }
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
