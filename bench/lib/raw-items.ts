/**
 * The items the raw baselines (raw-appender.ts, raw-multi-appender.ts) write, as eventloom's
 * store writes them (src/store/transaction.ts, keys.ts), and the heads they remember.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { eventIdClaimPk, eventIdClaimSk } from '../../src/store/keys.js';

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
