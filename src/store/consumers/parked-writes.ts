/**
 * Writes of parked records. A holder's writes (park, finishReplay) go in TransactWriteItems
 * whose first action is a ConditionCheck of its lease on the definition (conditions.ts), so a
 * holder that lost its lease writes no record; DynamoDB serializes that check with the
 * acquisition that took the lease over, so no record of the loser lands after it.
 *
 * A transaction holds at most 100 actions: the check and 99 records. A larger park, finish or
 * replay is sent as several transactions, each one whole, in position order: when the lease
 * is lost between two of them, the earlier ones stay written (a park then answers false,
 * having parked a prefix; the new holder finds those records parked, which is what the old
 * holder meant).
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { InvalidInputError, StoreUnavailableError } from '../errors.js';
import { toItem } from '../items.js';
import { type Expression, expressionParts, holderCondition, sameIncarnation } from './conditions.js';
import { definitionKey, readDefinition } from './definitions.js';
import { parkedItem, stateOf } from './items.js';
import { parkedPk, parkedSk } from './keys.js';
import { checkParked, parkedPositions } from './parked-reads.js';
import type { ConsumerState, HeldLease, ParkedEventRecord } from './types.js';
import { checkPosition, checkPositions } from './validate.js';
import { chunks, conditionFailed, type TenantTable, transact } from './writes.js';

/** Sends of one slice whose records kept vanishing under it (finished or removed meanwhile). */
const maxSliceAttempts = 10;

function holderCheck(ctx: TenantTable, lease: HeldLease): TransactWriteItem {
  return {
    ConditionCheck: {
      TableName: ctx.table,
      Key: definitionKey(ctx.tenant, lease.name),
      ...expressionParts(holderCondition(lease)),
    },
  };
}

/** Nothing to write: the answer is whether the lease is still held. */
async function stillHeld(ctx: TenantTable, lease: HeldLease): Promise<boolean> {
  const definition = await readDefinition(ctx, lease.name);
  return (
    definition !== null &&
    definition.incarnation === lease.incarnation &&
    definition.leaseOwner === lease.owner &&
    definition.leaseEpoch === lease.epoch
  );
}

function checkRecords(records: readonly ParkedEventRecord[]): void {
  records.forEach((record, index) => {
    checkPosition(record.position, ['records', index, 'position']);
    checkPosition(record.attempts, ['records', index, 'attempts']);
    if (!(record.parkedAt instanceof Date) || Number.isNaN(record.parkedAt.getTime())) {
      throw new InvalidInputError('parkedAt is a valid date.', ['records', index, 'parkedAt']);
    }
  });
}

export async function park(
  ctx: TenantTable,
  lease: HeldLease,
  records: readonly ParkedEventRecord[],
): Promise<boolean> {
  checkRecords(records);
  // A transaction may touch an item once: the last record of a position wins.
  const byPosition = [...new Map(records.map((record) => [record.position, record])).values()];
  if (byPosition.length === 0) return stillHeld(ctx, lease);
  byPosition.sort((a, b) => a.position - b.position);
  for (const slice of chunks(byPosition)) {
    const puts = slice.map(
      (record): TransactWriteItem => ({
        Put: { TableName: ctx.table, Item: toItem(parkedItem(ctx.tenant, lease, record)) },
      }),
    );
    if ((await transact(ctx, [holderCheck(ctx, lease), ...puts])) !== 'committed') return false;
  }
  return true;
}

function uniqueSorted(positions: readonly number[]): number[] {
  return [...new Set(positions)].sort((a, b) => a - b);
}

/**
 * Sends `first` (the action on the definition, which carries the condition that decides) with
 * an action per position; a position whose own condition failed is dropped and the rest sent
 * again. 'lost' when the definition's condition failed.
 */
async function sendSlice(
  ctx: TenantTable,
  first: TransactWriteItem,
  positions: number[],
  action: (position: number) => TransactWriteItem,
): Promise<'done' | 'lost'> {
  let pending = positions;
  for (let attempt = 0; attempt < maxSliceAttempts && pending.length > 0; attempt++) {
    const outcome = await transact(ctx, [first, ...pending.map(action)]);
    if (outcome === 'committed') return 'done';
    if (conditionFailed(outcome, 0)) return 'lost';
    pending = pending.filter((_, index) => !conditionFailed(outcome, index + 1));
  }
  if (pending.length > 0)
    throw new StoreUnavailableError('Parked events kept changing under a write. Retry later.');
  return 'done';
}

/** Removes replayed records (delivered and acknowledged); one parked again since stays. */
export async function finishReplay(
  ctx: TenantTable,
  lease: HeldLease,
  positions: readonly number[],
): Promise<boolean> {
  checkPositions(positions, ['positions']);
  const unique = uniqueSorted(positions);
  if (unique.length === 0) return stillHeld(ctx, lease);
  const pk = parkedPk(ctx.tenant, lease.name);
  const stillReplaying: Expression = {
    text: 'attribute_not_exists(pk) OR (#incarnation = :incarnation AND #replaying = :replaying)',
    names: { '#incarnation': 'incarnation', '#replaying': 'replaying' },
    values: { ':incarnation': lease.incarnation, ':replaying': true },
  };
  const remove = (position: number): TransactWriteItem => ({
    Delete: {
      TableName: ctx.table,
      Key: toItem({ pk, sk: parkedSk(position) }),
      ...expressionParts(stillReplaying),
    },
  });
  for (const slice of chunks(unique)) {
    if ((await sendSlice(ctx, holderCheck(ctx, lease), slice, remove)) === 'lost') return false;
  }
  return true;
}

/**
 * Marks records for replay and grows the generation, so the holder reloads and delivers them
 * again. Every given position must be a parked record of this incarnation (else
 * InvalidInputError, nothing marked); null positions mark every record not yet replaying.
 */
export async function replayParked(
  ctx: TenantTable,
  name: string,
  positions: readonly number[] | null,
): Promise<ConsumerState | null> {
  if (positions !== null) checkPositions(positions, ['positions']);
  const definition = await readDefinition(ctx, name);
  if (definition === null) return null;
  const { incarnation } = definition;
  if (positions !== null) await checkParked(ctx, name, incarnation, positions);
  const targets =
    positions === null
      ? await parkedPositions(ctx, { name, incarnation, replaying: false, after: null })
      : uniqueSorted(positions);
  if (targets.length === 0) return stateOf(definition);
  const bump: TransactWriteItem = {
    Update: {
      TableName: ctx.table,
      Key: definitionKey(ctx.tenant, name),
      ...expressionParts(sameIncarnation(incarnation), {
        text: 'SET #generation = #generation + :one',
        names: { '#generation': 'generation' },
        values: { ':one': 1 },
      }),
    },
  };
  const pk = parkedPk(ctx.tenant, name);
  // The record's condition keeps the Update from creating a record that was removed meanwhile.
  const mark = (position: number): TransactWriteItem => ({
    Update: {
      TableName: ctx.table,
      Key: toItem({ pk, sk: parkedSk(position) }),
      ...expressionParts(sameIncarnation(incarnation), {
        text: 'SET #replaying = :replaying',
        names: { '#replaying': 'replaying' },
        values: { ':replaying': true },
      }),
    },
  });
  for (const slice of chunks(targets)) {
    if ((await sendSlice(ctx, bump, slice, mark)) === 'lost') return null;
  }
  const after = await readDefinition(ctx, name);
  return after && after.incarnation === incarnation ? stateOf(after) : null;
}
