/**
 * The TransactWriteItems of one batch of calls, built without DynamoDB: the tenant counter
 * (conditioned on the position last seen), then per call and per stream it touches, in input
 * order: for an append its head (conditioned on the head its decision read, or on not
 * existing), the listing item of a new stream, and per event the stream item, the log entry at
 * its position and the event-id claim (the tenant-wide item of that id, conditioned on not
 * existing); for a condition (appendToStreams), a ConditionCheck on the head. Each action names
 * the call and stream it belongs to, so that the reasons of a cancelled transaction, which come
 * in the same order, say which one a failed condition was. `takeBatch` (`batch.ts`) chooses
 * the calls that fit one transaction.
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
import type { PreparedAppend, PreparedEvent } from './prepare.js';

/**
 * One stream a call touches: an append to it, or a condition (its head must be at
 * `prepared.expectedVersion`; `prepared.events` is empty), with where it is and the head it was decided on.
 */
export interface TransactionAppend {
  prepared: PreparedAppend;
  pk: string;
  /** A condition of appendToStreams: the head is checked, nothing is written. */
  condition?: boolean;
  /** The head the expected-version rule was applied to; null or absent: the stream is new. */
  decidedOn?: HeadItem | null;
}

/** One call (an append, or an appendToStreams): every stream it touches, in input order. */
export interface TransactionCall {
  parts: readonly TransactionAppend[];
}

/** What a condition failing on this action says: its stream's head or a claim (counter: null). */
export type ActionKind = 'head' | 'claim' | 'other';

export interface TransactionAction<C> {
  write: TransactWriteItem;
  /** The call and stream (`append`) the action belongs to; null for the tenant counter. */
  owner: { call: C; append: TransactionAppend; kind: ActionKind } | null;
}

/** An append as it is once the transaction commits. */
export interface CommittedAppend {
  append: TransactionAppend;
  head: HeadItem;
  events: EventItem[];
}

/** A call as it is once the transaction commits: its appends, in input order (conditions left out). */
export interface CommittedCall<C> {
  call: C;
  appends: CommittedAppend[];
}

export interface Transaction<C> {
  actions: TransactionAction<C>[];
  committed: CommittedCall<C>[];
  /** The tenant's last position once the transaction commits. */
  lastPosition: number;
  events: number;
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
export function buildTransaction<C extends TransactionCall>(
  batch: readonly C[],
  context: TransactionContext,
): Transaction<C> {
  const events = batch
    .flatMap((call) => call.parts)
    .reduce((sum, { prepared }) => sum + prepared.events.length, 0);
  const actions: TransactionAction<C>[] = [{ write: counterPut(context, events), owner: null }];
  const committed: CommittedCall<C>[] = [];
  let position = context.seenPosition;
  for (const call of batch) {
    const appends: CommittedAppend[] = [];
    for (const append of call.parts) {
      if (append.condition) {
        actions.push({ write: conditionCheck(append, context.table), owner: { call, append, kind: 'head' } });
        continue;
      }
      const built = appendActions(call, append, position, context);
      actions.push(...built.actions);
      appends.push(built.committed);
      position += append.prepared.events.length;
    }
    committed.push({ call, appends });
  }
  return { actions, committed, lastPosition: position, events };
}

/** A condition's check: the head as decided (or not existing), nothing written. */
function conditionCheck({ pk, decidedOn }: TransactionAppend, table: string): TransactWriteItem {
  const old = decidedOn ?? null;
  return {
    ConditionCheck: {
      TableName: table,
      Key: toItem({ pk, sk: headSk }),
      ...(old === null ? { ConditionExpression: 'attribute_not_exists(pk)' } : appendCondition(old)),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
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
function appendActions<C>(
  call: C,
  append: TransactionAppend,
  position: number,
  context: TransactionContext,
): { actions: TransactionAction<C>[]; committed: CommittedAppend } {
  const { table, now } = context;
  const old = append.decidedOn ?? null;
  const head = nextHead(append, old, position, now);
  const firstVersion = (old?.version ?? 0) + 1;
  const actions: TransactionAction<C>[] = [
    { write: headPut(head, old, table), owner: { call, append, kind: 'head' } },
  ];
  if (old === null)
    actions.push({ write: listingPut(append, context), owner: { call, append, kind: 'other' } });
  const events = append.prepared.events.map((event, index) =>
    eventItem(head, event, firstVersion + index, position + index + 1, now),
  );
  for (const item of events) {
    const claim = claimItem(context.tenant, item, firstVersion, events.length);
    actions.push(
      { write: { Put: { TableName: table, Item: toItem(item) } }, owner: { call, append, kind: 'other' } },
      { write: logPut(item, context), owner: { call, append, kind: 'other' } },
      { write: claimPut(claim, table), owner: { call, append, kind: 'claim' } },
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
