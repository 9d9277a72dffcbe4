/**
 * The items the raw baselines (raw-appender.ts, raw-multi-appender.ts) write, as eventloom's
 * store writes them (src/store/transaction.ts, keys.ts), and the heads they remember.
 */
import { randomUUID } from 'node:crypto';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  eventIdClaimPk,
  eventIdClaimSk,
  eventSk,
  logPk,
  positionSk,
  streamListPk,
  streamListSk,
} from '../../src/store/keys.js';

/** A head as the client last saw it: version 0 is "does not exist". */
export interface SeenHead {
  version: number;
  incarnation: number | undefined;
}

export const absent: SeenHead = { version: 0, incarnation: undefined };

export function seenHeadOf(item: Record<string, unknown> | undefined): SeenHead {
  if (!item) return absent;
  return { version: item.version as number, incarnation: item.incarnation as number | undefined };
}

/**
 * Where an event id's claim is stored, as the store does: one item per id in the tenant,
 * naming the stream that holds it (src/store/keys.ts).
 */
export function claimKey(
  tenant: string,
  streamPartition: string,
  eventId: string,
): { pk: string; sk: string; streamPk: string } {
  return { pk: eventIdClaimPk(tenant, eventId), sk: eventIdClaimSk, streamPk: streamPartition };
}

export function putItem(table: string, item: Record<string, unknown>): TransactWriteItem {
  return { Put: { TableName: table, Item: marshall(item) } };
}

/** A Put conditioned on the item not existing (`expected` null) or on one attribute's value. */
export function conditionalPutItem(
  table: string,
  item: Record<string, unknown>,
  expected: { name: string; value: number } | null,
): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: marshall(item),
      ConditionExpression: expected === null ? 'attribute_not_exists(pk)' : '#a = :v',
      ...(expected === null
        ? {}
        : {
            ExpressionAttributeNames: { '#a': expected.name },
            ExpressionAttributeValues: marshall({ ':v': expected.value }),
          }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** One stream of a raw transaction: where its events go and what it was when last seen. */
export interface RawStreamTarget {
  table: string;
  tenant: string;
  pk: string;
  streamId: string;
  name: string;
  /** Its version before the append: 0 for a new stream. */
  seenVersion: number;
  incarnation: number | undefined;
  /** The log position of its first event. */
  firstPosition: number;
  now: string;
}

/**
 * A stream's writes after its head, as the store writes them: the listing of a new stream, then
 * per event its stream item, its log entry and its id claim (a fresh id, conditioned on being free).
 */
export function streamBodyWrites(
  target: RawStreamTarget,
  events: ReadonlyArray<{ type: string; data: unknown }>,
): TransactWriteItem[] {
  const { table, tenant, pk, streamId, name, seenVersion, firstPosition, now } = target;
  const stamp = target.incarnation === undefined ? {} : { incarnation: target.incarnation };
  const writes: TransactWriteItem[] = [];
  if (seenVersion === 0) {
    writes.push(
      putItem(table, {
        pk: streamListPk(tenant),
        sk: streamListSk({ id: streamId, category: null }),
        streamId,
        category: null,
        name,
      }),
    );
  }
  events.forEach((event, index) => {
    const version = seenVersion + index + 1;
    const position = firstPosition + index;
    const eventId = randomUUID();
    const item = {
      eventId,
      type: event.type,
      data: JSON.stringify(event.data),
      metadata: '{}',
      streamId,
      category: null,
      streamName: name,
      version,
      position,
      recordedAt: now,
      ...stamp,
    };
    writes.push(putItem(table, { pk, sk: eventSk(version), ...item }));
    writes.push(putItem(table, { pk: logPk(tenant), sk: positionSk(position), ...item }));
    const claim = { ...claimKey(tenant, pk, eventId), version, appendFirstVersion: seenVersion + 1 };
    writes.push(conditionalPutItem(table, { ...claim, appendSize: events.length, ...stamp }, null));
  });
  return writes;
}
