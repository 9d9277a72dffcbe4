/**
 * The consumer store's writes to DynamoDB, with what DynamoDB leaves to the caller done here:
 * a write that collided with a transaction in flight on the same item (TransactionConflict) is
 * sent again after a jittered backoff. A failed condition is an answer (the caller's null or
 * false), never an error; anything else becomes StoreUnavailableError, as in the event store.
 */
import {
  type CancellationReason,
  DeleteItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { type BackoffPolicy, backoffDelay, sleep } from '../backoff.js';
import {
  cancellationReasons,
  isConditionalCheckFailed,
  isTransactionConflict,
  toStoreUnavailable,
} from '../dynamo-errors.js';
import { StoreUnavailableError } from '../errors.js';
import type { Item } from '../items.js';
import { maxTransactionActions } from '../limits.js';

export interface ConsumerTable {
  readonly client: DynamoDBClient;
  readonly table: string;
}

/** Sends of one write before giving up when it keeps colliding with transactions. */
const maxConflictAttempts = 20;
const conflictBackoff: BackoffPolicy = { baseMs: 5, maxMs: 250 };
/** Writes per transaction beside the one action on the definition that carries the lease's condition. */
export const writesPerTransaction = maxTransactionActions - 1;

export type UpdateInput = Omit<UpdateItemCommandInput, 'TableName' | 'ReturnValues'>;
export type DeleteInput = Omit<DeleteItemCommandInput, 'TableName' | 'ReturnValues'>;

/** An UpdateItem returning the item as written (ALL_NEW); null when its condition failed. */
export async function conditionalUpdate(store: ConsumerTable, input: UpdateInput): Promise<Item | null> {
  for (let attempt = 0; attempt < maxConflictAttempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt, conflictBackoff));
    try {
      const output = await store.client.send(
        new UpdateItemCommand({ ...input, TableName: store.table, ReturnValues: 'ALL_NEW' }),
      );
      return output.Attributes ?? null;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return null;
      if (!isTransactionConflict(error)) throw toStoreUnavailable(error, 'UpdateItem');
    }
  }
  throw new StoreUnavailableError('The consumer kept changing under a write. Retry later.');
}

/** A DeleteItem under its condition; false when the condition failed (nothing deleted). */
export async function conditionalDelete(store: ConsumerTable, input: DeleteInput): Promise<boolean> {
  for (let attempt = 0; attempt < maxConflictAttempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt, conflictBackoff));
    try {
      await store.client.send(new DeleteItemCommand({ ...input, TableName: store.table }));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      if (!isTransactionConflict(error)) throw toStoreUnavailable(error, 'DeleteItem');
    }
  }
  throw new StoreUnavailableError('The consumer kept changing under a write. Retry later.');
}

/** 'committed', or the reasons of a transaction cancelled because a condition failed. */
export type TransactOutcome = 'committed' | CancellationReason[];

function isRetryableCancellation(reasons: CancellationReason[]): boolean {
  return reasons.some((reason) => reason.Code === 'TransactionConflict' || reason.Code === 'ThrottlingError');
}

export function conditionFailed(reasons: CancellationReason[], index: number): boolean {
  return reasons[index]?.Code === 'ConditionalCheckFailed';
}

/**
 * One TransactWriteItems. A cancellation with a failed condition is returned (nothing was
 * written); one that only collided with another transaction is sent again.
 */
export async function transact(store: ConsumerTable, actions: TransactWriteItem[]): Promise<TransactOutcome> {
  for (let attempt = 0; attempt < maxConflictAttempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt, conflictBackoff));
    try {
      await store.client.send(new TransactWriteItemsCommand({ TransactItems: actions }));
      return 'committed';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return reasons;
      if (!isRetryableCancellation(reasons)) throw toStoreUnavailable(error, 'TransactWriteItems');
    }
  }
  throw new StoreUnavailableError('The consumer kept changing under a write. Retry later.');
}

/** `items` in slices of at most `size`, in order. */
export function chunks<T>(items: readonly T[], size = writesPerTransaction): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}

/** Where one tenant's consumers live: the table, and the tenant every key starts with. */
export interface TenantTable extends ConsumerTable {
  readonly tenant: string;
}
