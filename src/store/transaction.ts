/**
 * The TransactWriteItems of one batch of appends, built without DynamoDB: the tenant counter
 * (conditioned on the position last seen), then per append its head (conditioned on the head
 * its decision read, or on not existing), the listing item of a new stream, and per event the
 * stream item, the log entry at its position and the event-id claim (the tenant-wide item of
 * that id, conditioned on not existing). Each action names the append it belongs to, so that the reasons of a cancelled
 * transaction, which come in the same order, say which append a failed condition was.
 * `takeBatch` chooses the appends that fit one transaction.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { appendCondition } from './head-conditions.js';
import { type EventIdClaimItem, type EventItem, type HeadItem, type ListingItem, toItem } from './items.js';
import {
  counterPk,
  counterSk,
  eventIdClaimPk,
  eventIdClaimSk,
  eventSk,
  headSk,
  logPk,
  positionSk,
  streamListPk,
  streamListSk,
} from './keys.js';
import { maxTransactionActions, maxTransactionBytes } from './limits.js';
import type { PreparedAppend, PreparedEvent } from './prepare.js';

/** What the transaction needs of an append: what to write, where, and the head it was decided on. */
export interface TransactionAppend {
  prepared: PreparedAppend;
  pk: string;
  /** The head the expected-version rule was applied to; null or absent: the stream is new. */
  decidedOn?: HeadItem | null;
}

/** What a condition failing on this action says: its append's head or a claim (counter: null). */
export type ActionKind = 'head' | 'claim' | 'other';

export interface TransactionAction<A> {
  write: TransactWriteItem;
  /** The append the action belongs to; null for the tenant counter. */
  owner: { append: A; kind: ActionKind } | null;
}

/** An append as it is once the transaction commits. */
export interface CommittedAppend<A> {
  append: A;
  head: HeadItem;
  events: EventItem[];
}

export interface Transaction<A> {
  actions: TransactionAction<A>[];
  committed: CommittedAppend<A>[];
  /** The tenant's last position once the transaction commits. */
  lastPosition: number;
  events: number;
}

/** Per event: stream item, log entry, id claim. Per append: the head, and the listing of a new stream. */
function actionsOf({ prepared }: TransactionAppend): number {
  return 1 + 3 * prepared.events.length + 1;
}

function bytesOf({ prepared }: TransactionAppend): number {
  // Data and metadata are stored twice (stream item and log entry), plus keys and attributes.
  return 2 * prepared.bytes + 600 * prepared.events.length + 600;
}

/**
 * Takes from `queue` the oldest appends that fit one transaction (with the counter), at most
 * `maxAppends`, and at most one per stream and per event id (DynamoDB refuses two actions on one
 * item, and a claim is one item per id): a later append to a stream in the batch, or with an id
 * of the batch, waits for the next one, in order, where its claim then fails and is answered.
 */
export function takeBatch<A extends TransactionAppend>(
  queue: A[],
  maxAppends = Number.POSITIVE_INFINITY,
): A[] {
  const batch: A[] = [];
  const streams = new Set<string>();
  const ids = new Set<string>();
  let actions = 1; // the counter
  let bytes = 0;
  for (let index = 0; index < queue.length && batch.length < maxAppends; ) {
    const append = queue[index]!;
    const waits = streams.has(append.pk) || append.prepared.events.some((event) => ids.has(event.id));
    // A waiting append still holds its stream and ids: nothing queued after it that touches
    // either may overtake it into this batch.
    streams.add(append.pk);
    for (const event of append.prepared.events) ids.add(event.id);
    if (waits) {
      index++;
      continue;
    }
    const nextActions = actions + actionsOf(append);
    const nextBytes = bytes + bytesOf(append);
    if (batch.length > 0 && (nextActions > maxTransactionActions || nextBytes > maxTransactionBytes)) break;
    batch.push(append);
    actions = nextActions;
    bytes = nextBytes;
    queue.splice(index, 1);
  }
  return batch;
}

export interface TransactionContext {
  tenant: string;
  table: string;
  /** The tenant's last position as last seen (the counter's condition). */
  seenPosition: number;
  /** The time recorded on heads and events (ISO 8601). */
  now: string;
}

/** The transaction of `batch`, in order, with positions from `context.seenPosition + 1` on. */
export function buildTransaction<A extends TransactionAppend>(
  batch: readonly A[],
  context: TransactionContext,
): Transaction<A> {
  const events = batch.reduce((sum, append) => sum + append.prepared.events.length, 0);
  const actions: TransactionAction<A>[] = [{ write: counterPut(context, events), owner: null }];
  const committed: CommittedAppend<A>[] = [];
  let position = context.seenPosition;
  for (const append of batch) {
    const built = appendActions(append, position, context);
    actions.push(...built.actions);
    committed.push(built.committed);
    position += append.prepared.events.length;
  }
  return { actions, committed, lastPosition: position, events };
}

function counterPut({ tenant, table, seenPosition }: TransactionContext, events: number): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: toItem({ pk: counterPk(tenant), sk: counterSk, position: seenPosition + events }),
      ConditionExpression: seenPosition === 0 ? 'attribute_not_exists(pk)' : '#position = :seen',
      ...(seenPosition === 0
        ? {}
        : {
            ExpressionAttributeNames: { '#position': 'position' },
            ExpressionAttributeValues: toItem({ ':seen': seenPosition }),
          }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** One append's actions, its events at the positions after `position`. */
function appendActions<A extends TransactionAppend>(
  append: A,
  position: number,
  context: TransactionContext,
): { actions: TransactionAction<A>[]; committed: CommittedAppend<A> } {
  const { table, now } = context;
  const old = append.decidedOn ?? null;
  const head = nextHead(append, old, position, now);
  const firstVersion = (old?.version ?? 0) + 1;
  const actions: TransactionAction<A>[] = [
    { write: headPut(head, old, table), owner: { append, kind: 'head' } },
  ];
  if (old === null) actions.push({ write: listingPut(append, context), owner: { append, kind: 'other' } });
  const events = append.prepared.events.map((event, index) =>
    eventItem(head, event, firstVersion + index, position + index + 1, now),
  );
  for (const item of events) {
    const claim = claimItem(context.tenant, item, firstVersion, events.length);
    actions.push(
      { write: { Put: { TableName: table, Item: toItem(item) } }, owner: { append, kind: 'other' } },
      { write: logPut(item, context), owner: { append, kind: 'other' } },
      { write: claimPut(claim, table), owner: { append, kind: 'claim' } },
    );
  }
  return { actions, committed: { append, head, events } };
}

/** The head after the append: on `old` as decided, or a new incarnation at its first position. */
function nextHead(append: TransactionAppend, old: HeadItem | null, position: number, now: string): HeadItem {
  const { prepared, pk } = append;
  // A new stream's incarnation is the position of its first event: unique in the tenant,
  // and greater than that of any earlier incarnation of the same stream.
  const incarnation = old === null ? position + 1 : old.incarnation;
  return {
    pk,
    sk: headSk,
    streamId: prepared.stream.id,
    category: prepared.stream.category,
    name: old?.name ?? prepared.stream.name,
    versioned: old?.versioned ?? prepared.expectedVersion !== null,
    version: (old?.version ?? 0) + prepared.events.length,
    createdAt: old?.createdAt ?? now,
    updatedAt: now,
    ...(incarnation === undefined ? {} : { incarnation }),
  };
}

function headPut(head: HeadItem, old: HeadItem | null, table: string): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: toItem(head),
      // Conditioned on everything the decision read from the cache (incarnation included),
      // so a stale cache costs a retry, never a write into another incarnation.
      ...(old === null ? { ConditionExpression: 'attribute_not_exists(pk)' } : appendCondition(old)),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

function listingPut(
  { prepared }: TransactionAppend,
  { tenant, table }: TransactionContext,
): TransactWriteItem {
  const listing: ListingItem = {
    pk: streamListPk(tenant),
    sk: streamListSk(prepared.stream),
    streamId: prepared.stream.id,
    category: prepared.stream.category,
    name: prepared.stream.name,
  };
  return { Put: { TableName: table, Item: toItem(listing) } };
}

/** An event of the stream whose head (after the append) is `head`. */
function eventItem(
  head: HeadItem,
  event: PreparedEvent,
  version: number,
  position: number,
  now: string,
): EventItem {
  return {
    pk: head.pk,
    sk: eventSk(version),
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    streamId: head.streamId,
    category: head.category,
    streamName: head.name,
    version,
    position,
    recordedAt: now,
    ...(head.incarnation === undefined ? {} : { incarnation: head.incarnation }),
  };
}

function logPut(item: EventItem, { tenant, table }: TransactionContext): TransactWriteItem {
  return {
    Put: { TableName: table, Item: toItem({ ...item, pk: logPk(tenant), sk: positionSk(item.position) }) },
  };
}

/**
 * The claim of an event's id in the tenant: the stream that holds it, which version it is, and
 * which append (first version, size) stored it.
 */
function claimItem(
  tenant: string,
  item: EventItem,
  appendFirstVersion: number,
  appendSize: number,
): EventIdClaimItem {
  return {
    pk: eventIdClaimPk(tenant, item.eventId),
    sk: eventIdClaimSk,
    streamPk: item.pk,
    version: item.version,
    appendFirstVersion,
    appendSize,
    ...(item.incarnation === undefined ? {} : { incarnation: item.incarnation }),
  };
}

function claimPut(claim: EventIdClaimItem, table: string): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: toItem(claim),
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
