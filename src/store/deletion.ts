/**
 * Stream deletion. A deletion marks the head `deleting` (conditioned on the version and
 * incarnation it read, which is where the expected version is checked), then removes the
 * stream in transactions that each carry a ConditionCheck: the head is still this
 * incarnation, marked. Each transaction frees event ids, tombstones log positions and deletes
 * items; the last one deletes the head and the listing. Another deletion of the same incarnation (a client's
 * retry, another gateway, the committer finishing an interrupted deletion) does the same
 * work under the same condition; once the head is gone the condition never holds again, so a
 * deletion that lost the race writes nothing into a stream created since. README.md,
 * "Deletion", gives the argument.
 */
import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type BackoffPolicy, backoffDelay, defaultBackoff, sleep } from './backoff.js';
import {
  cancellationReasons,
  isConditionalCheckFailed,
  isTransactionConflict,
  toStoreUnavailable,
} from './dynamo-errors.js';
import { queryAll } from './dynamo-ops.js';
import { StoreUnavailableError, WrongExpectedVersionError } from './errors.js';
import { claimHeldBy, deletionCondition, markCondition } from './head-conditions.js';
import { readHead } from './heads.js';
import { fromItem, type HeadItem, type Item, type TombstoneItem, toItem } from './items.js';
import {
  eventIdClaimPk,
  eventIdClaimSk,
  headSk,
  logPk,
  positionSk,
  streamListPk,
  streamListSk,
} from './keys.js';
import { maxTransactionActions } from './limits.js';

export interface StreamDeletionOptions {
  client: DynamoDBClient;
  table: string;
  tenant: string;
  backoff?: BackoffPolicy;
}

/** Attempts at marking (the head kept changing) or at one transaction (conflicts) before giving up. */
const maxAttempts = 20;
/** Item writes per transaction: the rest of its 100 actions is the head's ConditionCheck. */
const writesPerTransaction = maxTransactionActions - 1;

type Outcome = 'done' | 'superseded';

export class StreamDeletion {
  constructor(private readonly options: StreamDeletionOptions) {}

  /**
   * Deletes the stream at `pk`; returns how many events it removed (see `finish`). A missing stream
   * is deleted already, whatever version was expected: a retry of a deletion that succeeded
   * succeeds too. A stream already being deleted is finished without checking the version.
   */
  async deleteStream(pk: string, expectedVersion: number | null | undefined): Promise<number> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const head = await readHead(this.options.client, this.options.table, pk);
      if (head === null) return 0;
      if (!head.deleting) {
        if (expectedVersion !== null && expectedVersion !== undefined && expectedVersion !== head.version) {
          throw new WrongExpectedVersionError(expectedVersion, head.version);
        }
        if (!(await this.mark(head))) {
          await sleep(backoffDelay(attempt, this.options.backoff ?? defaultBackoff));
          continue;
        }
      }
      return this.finish(head);
    }
    throw new StoreUnavailableError('The stream kept changing during deletion. Retry later.');
  }

  /**
   * Removes the incarnation of `head`, which is marked `deleting` (by this process or another).
   * Idempotent, and safe to run concurrently with other deletions of the same incarnation.
   * Returns the number of events it found to remove: deletions of one incarnation that overlap
   * may each count the same events.
   */
  async finish(head: HeadItem): Promise<number> {
    const { client, table } = this.options;
    let pending: TransactWriteItem[] = [];
    let events = 0;
    // Each id's claim is deleted once: a transaction may not hold two actions on one item, and
    // a table from before ids were unique per tenant may hold one id twice in a stream.
    const freed = new Set<string>();
    const pages = queryAll(client, table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: toItem({ ':pk': head.pk }),
      ProjectionExpression: 'sk, #position, eventId',
      ExpressionAttributeNames: { '#position': 'position' },
    });
    for await (const page of pages) {
      const removal = this.removals(head, page, freed);
      events += removal.events;
      const rest = await this.sendFull(head, pending.concat(removal.writes));
      if (rest === 'superseded') return events;
      pending = rest;
    }
    if (pending.length > 0 && (await this.guarded(head, pending)) === 'superseded') return events;
    await this.removeHead(head);
    return events;
  }

  /**
   * The writes that remove one page of the stream's items (all but the head): per event first
   * a tombstone on its log position, then its id's claim (an id is free only once its event has
   * left the log), so that an interrupted deletion can still find both from the event, then
   * each item's Delete. `events`: how many events the page held.
   */
  private removals(
    head: HeadItem,
    page: Item[],
    freed: Set<string>,
  ): { writes: TransactWriteItem[]; events: number } {
    const writes: TransactWriteItem[] = [];
    let events = 0;
    for (const item of page.map((raw) =>
      fromItem<{ sk: string; position?: number; eventId?: string }>(raw),
    )) {
      if (item.sk === headSk) continue;
      if (item.sk.startsWith('E#') && item.position !== undefined) {
        writes.push(this.tombstone(head, item.position));
        if (item.eventId !== undefined && !freed.has(item.eventId)) {
          freed.add(item.eventId);
          writes.push(this.claimRemoval(head, item.eventId));
        }
        events++;
      }
      writes.push({ Delete: { TableName: this.options.table, Key: toItem({ pk: head.pk, sk: item.sk }) } });
    }
    return { writes, events };
  }

  /** Sends the full transactions `pending` holds, in order; returns the writes left over. */
  private async sendFull(
    head: HeadItem,
    pending: TransactWriteItem[],
  ): Promise<TransactWriteItem[] | 'superseded'> {
    let rest = pending;
    while (rest.length >= writesPerTransaction) {
      if ((await this.guarded(head, rest.slice(0, writesPerTransaction))) === 'superseded')
        return 'superseded';
      rest = rest.slice(writesPerTransaction);
    }
    return rest;
  }

  private async mark(head: HeadItem): Promise<boolean> {
    const { client, table } = this.options;
    const condition = markCondition(head);
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: toItem({ pk: head.pk, sk: headSk }),
          UpdateExpression: 'SET #deleting = :true',
          ...condition,
          ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ...toItem({ ':true': true }) },
        }),
      );
      return true;
    } catch (error) {
      // Changed since read, or a transaction on the head in flight: read again.
      if (isConditionalCheckFailed(error) || isTransactionConflict(error)) return false;
      throw toStoreUnavailable(error, 'UpdateItem');
    }
  }

  /**
   * Frees an event id: deletes its claim while it is this incarnation's. An id freed by an
   * overlapping deletion of this incarnation may have been claimed by another stream since;
   * that claim is not ours to delete (`transact` drops the write when its condition fails).
   */
  private claimRemoval(head: HeadItem, eventId: string): TransactWriteItem {
    const held = claimHeldBy(head.pk, head.incarnation);
    return {
      Delete: {
        TableName: this.options.table,
        Key: toItem({ pk: eventIdClaimPk(this.options.tenant, eventId), sk: eventIdClaimSk }),
        ...held,
        ConditionExpression: `attribute_not_exists(pk) OR (${held.ConditionExpression})`,
      },
    };
  }

  private tombstone(head: HeadItem, position: number): TransactWriteItem {
    const tombstone: TombstoneItem = {
      pk: logPk(this.options.tenant),
      sk: positionSk(position),
      position,
      streamId: head.streamId,
      category: head.category ?? null,
      tombstone: true,
    };
    return { Put: { TableName: this.options.table, Item: toItem(tombstone) } };
  }

  /** The head and the listing, together, while the head is still this incarnation, marked. */
  private async removeHead(head: HeadItem): Promise<void> {
    const { table, tenant } = this.options;
    const listing = {
      pk: streamListPk(tenant),
      sk: streamListSk({ id: head.streamId, category: head.category ?? null }),
    };
    await this.transact([
      { Delete: { TableName: table, Key: toItem({ pk: head.pk, sk: headSk }), ...deletionCondition(head) } },
      { Delete: { TableName: table, Key: toItem(listing) } },
    ]);
  }

  /** `writes` in one transaction with the head's ConditionCheck. */
  private guarded(head: HeadItem, writes: TransactWriteItem[]): Promise<Outcome> {
    const check: TransactWriteItem = {
      ConditionCheck: {
        TableName: this.options.table,
        Key: toItem({ pk: head.pk, sk: headSk }),
        ...deletionCondition(head),
      },
    };
    return this.transact([check, ...writes]);
  }

  /**
   * Sends one transaction whose first action holds the deletion's condition. 'superseded':
   * the condition failed, so this incarnation is gone (another deletion finished it). A claim
   * whose condition failed belongs to another stream now: its Delete is dropped. Conflicts with
   * concurrent transactions are retried.
   */
  private async transact(actions: TransactWriteItem[]): Promise<Outcome> {
    let sending = actions;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        await this.options.client.send(new TransactWriteItemsCommand({ TransactItems: sending }));
        return 'done';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons.length === 0) throw toStoreUnavailable(error, 'TransactWriteItems');
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'superseded';
        const kept = sending.filter((_, index) => reasons[index]?.Code !== 'ConditionalCheckFailed');
        if (kept.length === sending.length)
          await sleep(backoffDelay(attempt, this.options.backoff ?? defaultBackoff));
        sending = kept;
      }
    }
    throw new StoreUnavailableError('The deletion kept conflicting with other writes. Retry later.');
  }
}
