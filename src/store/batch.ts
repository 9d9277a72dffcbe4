/**
 * Choosing the calls of one transaction from the committer's queue: in order, as many as fit
 * DynamoDB's 100 actions and 4 MB, and at most one action per item.
 */
import { maxTransactionActions, maxTransactionBytes } from './limits.js';
import type { TransactionCall } from './transaction.js';

/**
 * Per event: stream item, log entry, id claim. Per append: the head, and the listing of a new
 * stream. Per condition: its check.
 */
export function actionsOf({ parts }: TransactionCall): number {
  return parts.reduce(
    (sum, { prepared, condition }) => sum + (condition ? 1 : 2 + 3 * prepared.events.length),
    0,
  );
}

function bytesOf({ parts }: TransactionCall): number {
  // Data and metadata are stored twice (stream item and log entry), plus keys and attributes.
  return parts.reduce(
    (sum, { prepared }) => sum + 2 * prepared.bytes + 600 * prepared.events.length + 600,
    0,
  );
}

function eventIdsOf({ parts }: TransactionCall): string[] {
  return parts.flatMap(({ prepared }) => prepared.events.map((event) => event.id));
}

/**
 * Takes from `queue` the oldest calls that fit one transaction (with the counter), at most
 * `maxAppends`, and at most one per stream (every stream a call touches, conditions included) and
 * per event id (DynamoDB refuses two actions on one item, and a claim is one item per id): a later
 * call touching a stream of the batch, or with an id of the batch, waits for the next one, in
 * order, where its claim then fails and is answered.
 */
export function takeBatch<C extends TransactionCall>(queue: C[], maxAppends = Number.POSITIVE_INFINITY): C[] {
  const batch: C[] = [];
  const streams = new Set<string>();
  const ids = new Set<string>();
  let actions = 1; // the counter
  let bytes = 0;
  for (let index = 0; index < queue.length && batch.length < maxAppends; ) {
    const append = queue[index]!;
    const callIds = eventIdsOf(append);
    const waits = append.parts.some(({ pk }) => streams.has(pk)) || callIds.some((id) => ids.has(id));
    // A waiting call still holds its streams and ids: nothing queued after it that touches
    // any of them may overtake it into this batch.
    for (const { pk } of append.parts) streams.add(pk);
    for (const id of callIds) ids.add(id);
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
