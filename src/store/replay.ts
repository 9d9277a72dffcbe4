/**
 * Answers an append that a condition refused, from what DynamoDB holds now. A retry of an
 * append already stored (same ids, same order, one earlier append to this stream) succeeds
 * with the stored events, whatever its expected version or payload (the ids decide, as the
 * contract says and as EventStoreDB does); a mix of stored and new ids is invalid; otherwise
 * the refusal's error stands.
 *
 * Id claims carry the incarnation of their stream. Claims are judged only against the live
 * incarnation they belong to: claims of a stream being deleted (some may be gone already,
 * between two of the deletion's transactions) or of an incarnation deleted since are not an
 * answer, and the committer tries again (finishing the deletion first), after which the ids
 * are free.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { batchGetItems, itemKey, queryAll } from './dynamo-ops.js';
import { InvalidInputError } from './errors.js';
import { readHead } from './heads.js';
import {
  type EventIdClaimItem,
  type EventItem,
  fromItem,
  type HeadItem,
  incarnationOf,
  toItem,
  toRecordedEvent,
  toStreamInfo,
} from './items.js';
import { eventIdSk, eventSk } from './keys.js';
import type { PreparedAppend } from './prepare.js';
import type { AppendResult } from './types.js';

export type RefusalAnswer =
  | { kind: 'rejected'; error: Error }
  | { kind: 'replayed'; result: AppendResult; head: HeadItem }
  /** Nothing can be decided on what DynamoDB holds now: read the head again and retry. */
  | { kind: 'retry' };

interface Store {
  client: DynamoDBClient;
  table: string;
}

export async function answerRefusal(
  store: Store,
  prepared: PreparedAppend,
  pk: string,
  error: Error | null,
): Promise<RefusalAnswer> {
  const { client, table } = store;
  const claims = await batchGetItems(
    client,
    table,
    prepared.events.map((event) => toItem({ pk, sk: eventIdSk(event.id) })),
  );
  if (claims.size === 0) {
    // No claim: not a retry. Without an error, the claims vanished (the stream was deleted meanwhile).
    return error === null ? { kind: 'retry' } : { kind: 'rejected', error };
  }
  const found = prepared.events.map((event) => {
    const item = claims.get(itemKey(pk, eventIdSk(event.id)));
    return item ? fromItem<EventIdClaimItem>(item) : null;
  });
  // Read after the claims: if this head is live and of the claims' incarnation, it was so when
  // the claims were read (marks are never removed, incarnations never come back), so the
  // claims were whole then.
  const head = await readHead(client, table, pk);
  const live = head !== null && !head.deleting;
  if (!live || found.some((claim) => claim !== null && incarnationOf(claim) !== incarnationOf(head))) {
    return { kind: 'retry' };
  }
  const first = found[0];
  const isReplay =
    first !== null &&
    first !== undefined &&
    first.appendSize === prepared.events.length &&
    found.every((claim, index) => claim !== null && claim.version === first.appendFirstVersion + index) &&
    first.version === first.appendFirstVersion;
  if (!isReplay) {
    const index = found.findIndex((claim) => claim !== null);
    return {
      kind: 'rejected',
      error: new InvalidInputError(
        'Some of these event ids are already stored, but not as exactly this append: a retry must resend the same events in the same order.',
        ['events', index, 'id'],
      ),
    };
  }
  const stored = await readVersions(store, pk, first.appendFirstVersion, prepared.events.length);
  // Never answer a retry with other events than its own (deleted meanwhile: try again).
  const sameEvents = stored.every((item, index) => item.eventId === prepared.events[index]?.id);
  if (stored.length !== prepared.events.length || !sameEvents) return { kind: 'retry' };
  return {
    kind: 'replayed',
    head,
    result: { stream: toStreamInfo(head), events: stored.map(toRecordedEvent), replayed: true },
  };
}

async function readVersions(store: Store, pk: string, firstVersion: number, count: number) {
  const items: EventItem[] = [];
  const pages = queryAll(store.client, store.table, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: toItem({
      ':pk': pk,
      ':from': eventSk(firstVersion),
      ':to': eventSk(firstVersion + count - 1),
    }),
  });
  for await (const page of pages) items.push(...page.map((item) => fromItem<EventItem>(item)));
  return items;
}
