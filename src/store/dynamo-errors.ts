/**
 * What a DynamoDB failure means for the store. Only a cancelled transaction's conditional
 * checks map to domain errors (the committer, snapshots and deletions read them through
 * `cancellationReasons`); everything else becomes a StoreUnavailableError that names the
 * operation but not DynamoDB's internal message.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from './errors.js';

interface NamedError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const named = error as NamedError;
    return named.name ?? named.code ?? 'Error';
  }
  return 'Error';
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** A single-item write refused because a transaction on the same item was in flight: retry it. */
export function isTransactionConflict(error: unknown): boolean {
  return errorName(error) === 'TransactionConflictException';
}

export function isTransactionCanceled(error: unknown): boolean {
  return errorName(error) === 'TransactionCanceledException';
}

export function isResourceInUse(error: unknown): boolean {
  return errorName(error) === 'ResourceInUseException';
}

export function isResourceNotFound(error: unknown): boolean {
  return errorName(error) === 'ResourceNotFoundException';
}

export function toStoreUnavailable(error: unknown, operation: string): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  return new StoreUnavailableError(
    `The event store is unavailable (${operation}: ${errorName(error)}). Retry later.`,
    {
      cause: error,
    },
  );
}

/**
 * One reason per action of a cancelled transaction, in order ('None', 'ConditionalCheckFailed', …),
 * each with the item as it was (`Item`) where the action asked for ALL_OLD; none for any other error.
 */
export function cancellationReasons(error: unknown): CancellationReason[] {
  if (!isTransactionCanceled(error)) return [];
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}
