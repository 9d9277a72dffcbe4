/**
 * What the reasons of a cancelled TransactWriteItems say. They come in the order of the actions
 * (`transaction.ts`), so each failed condition names its action's owner: the tenant counter as
 * it was at commit time, a stream's head as it was at commit time (ALL_OLD: authoritative for a
 * refusal), or an event-id claim that exists already.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { headOf, positionOf } from './heads.js';
import type { HeadItem } from './items.js';
import type { TransactionAction } from './transaction.js';

export interface CancellationReading<C> {
  /**
   * The counter as it was at commit time when its condition failed; null when nothing explains
   * the cancellation (a conflict with another transaction): read it again; undefined: it held.
   */
  counter: number | null | undefined;
  /** The heads whose condition failed, as they were at commit time (null: no such stream). */
  heads: { pk: string; head: HeadItem | null }[];
  /** The calls one of whose id claims failed: their ids are stored already. */
  claimFailed: Set<C>;
}

export function readCancellation<C>(
  reasons: readonly CancellationReason[],
  actions: readonly TransactionAction<C>[],
): CancellationReading<C> {
  const reading: CancellationReading<C> = { counter: undefined, heads: [], claimFailed: new Set() };
  let explained = false;
  reasons.forEach((reason, index) => {
    if (reason.Code !== 'ConditionalCheckFailed') return;
    explained = true;
    const owner = actions[index]?.owner;
    if (owner === null || owner === undefined) {
      reading.counter = positionOf(reason.Item);
    } else if (owner.kind === 'head') {
      reading.heads.push({ pk: owner.append.pk, head: headOf(reason.Item) });
    } else if (owner.kind === 'claim') {
      reading.claimFailed.add(owner.call);
    }
  });
  if (!explained) reading.counter = null;
  return reading;
}
