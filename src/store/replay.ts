/**
 * Answers an append that a condition refused, from what DynamoDB holds now. Event ids are
 * unique in the tenant: each has one claim item (`keys.ts`) naming the stream that holds it.
 * - An id held by another stream that is live, in the incarnation its claim names, refuses the
 *   append (InvalidInputError on that id): the id is taken.
 * - A retry of an append already stored (same ids, same order, one earlier append to this
 *   stream) succeeds with the stored events, whatever its expected version or payload (the ids
 *   decide, as the contract says and as EventStoreDB does); a mix of stored and new ids is
 *   invalid; otherwise the refusal's error stands.
 *
 * Claims are judged only against the live incarnation they belong to: claims of a stream being
 * deleted (some may be gone already, between two of the deletion's transactions) or of an
 * incarnation deleted since are not an answer. The committer tries again, after finishing that
 * deletion (`finish`), after which the ids are free; a claim whose stream or incarnation is gone
 * is released first if it is still there (orphan-claims.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemKey, queryAll, transactGetItems } from './dynamo-ops.js';
import { InvalidInputError } from './errors.js';
import { readHeads } from './heads.js';
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
import { eventIdClaimPk, eventIdClaimSk, eventSk } from './keys.js';
import { releaseOrphanClaims } from './orphan-claims.js';
import type { PreparedAppend } from './prepare.js';
import type { AppendResult } from './types.js';

export type RefusalAnswer =
  | { kind: 'rejected'; error: Error }
  | { kind: 'replayed'; result: AppendResult; head: HeadItem }
  /**
   * Nothing can be decided on what DynamoDB holds now: read the head again and retry, after
   * finishing the deletion of `finish` when a stream being deleted still holds some of the ids.
   */
  | { kind: 'retry'; finish?: HeadItem };

interface Store {
  client: DynamoDBClient;
  table: string;
  tenant: string;
}

export type Claims = (EventIdClaimItem | null)[];

export async function answerRefusal(
  store: Store,
  prepared: PreparedAppend,
  pk: string,
  error: Error | null,
): Promise<RefusalAnswer> {
  if (error !== null && !givesIds(prepared)) return { kind: 'rejected', error };
  const [claims = []] = await readClaims(store, [prepared]);
  const judged = await judgeStoredIds(store, prepared, pk, claims);
  if (judged.kind !== 'new') return judged;
  // No claim: not a retry. Without an error, the claims vanished (the stream was deleted meanwhile).
  return error === null ? { kind: 'retry' } : { kind: 'rejected', error };
}

/**
 * Whether the client gave any of the append's ids. Ids this gateway made for the call can only be
 * stored by the call's own transaction, and the SDK resends that with its ClientRequestToken,
 * which DynamoDB answers as the first success: so a version refusal of an append without given
 * ids cannot be an idempotent retry, and reading its claims would only cost reads.
 */
export function givesIds(prepared: PreparedAppend): boolean {
  return prepared.events.some((event) => event.idGiven);
}

/**
 * What the stored ids say of an append, from its `claims` (`readClaims`): none stored ('new'),
 * a replay, an invalid mix or a taken id (rejected), or nothing decidable now (retry).
 * appendToStreams judges each of its appends so.
 */
export async function judgeStoredIds(
  store: Store,
  prepared: PreparedAppend,
  pk: string,
  claims: Claims,
): Promise<RefusalAnswer | { kind: 'new' }> {
  if (claims.every((claim) => claim === null)) return { kind: 'new' };
  // Read after the claims: a head that is live now, of a claim's incarnation, was so when the
  // claims were read (marks are never removed, incarnations never come back), so its claims
  // were whole then (they were read as of one instant, readClaims).
  const { heads } = await readHeads(store.client, store.table, [
    ...new Set([pk, ...claims.flatMap((claim) => (claim ? [claim.streamPk] : []))]),
  ]);
  const judged = judgeClaims(claims, heads, pk);
  if (judged?.kind === 'retry')
    await releaseOrphanClaims(store.client, store.table, staleClaims(claims, heads));
  const head = heads.get(pk) ?? null;
  if (judged !== null || head === null) return judged ?? { kind: 'retry' };
  return answerOwnClaims(store, prepared, pk, claims, head);
}

/**
 * Per append, each id's claim, in the order of its events; null where the id is free. All read as
 * of one instant (TransactGetItems): a BatchGetItem, or one read per append, reads claims at
 * different times, so it can see part of a transaction committing meanwhile (a twin retry on
 * another gateway) and the ids would read as a mix of stored and new that no append or call
 * ever stored. A call's ids fit in one read: its transaction holds 3 actions per event, within
 * DynamoDB's 100.
 */
export async function readClaims(
  { client, table, tenant }: Store,
  appends: readonly PreparedAppend[],
): Promise<Claims[]> {
  const keysOf = appends.map((prepared) => prepared.events.map((event) => eventIdClaimPk(tenant, event.id)));
  const keys = keysOf.flat();
  if (keys.length === 0) return keysOf.map(() => []);
  const found = await transactGetItems(
    client,
    table,
    keys.map((pk) => toItem({ pk, sk: eventIdClaimSk })),
  );
  return keysOf.map((ofAppend) =>
    ofAppend.map((pk) => {
      const item = found.get(itemKey(pk, eventIdClaimSk));
      return item ? fromItem<EventIdClaimItem>(item) : null;
    }),
  );
}

/**
 * What the claims say before looking at this stream's events: an id held by another live stream
 * (refused: it is taken), a claim whose stream is gone, of another incarnation, or being deleted
 * (retry), or claims all held by this live stream ('own': to be judged as a replay).
 */
function judgeClaims(claims: Claims, heads: Map<string, HeadItem | null>, pk: string): RefusalAnswer | null {
  let answer: RefusalAnswer | null = null;
  for (const [index, claim] of claims.entries()) {
    if (claim === null) continue;
    const head = heads.get(claim.streamPk) ?? null;
    if (head === null || holderGone(claim, heads)) answer ??= { kind: 'retry' };
    else if (head.deleting) answer = { kind: 'retry', finish: head };
    else if (claim.streamPk !== pk) return { kind: 'rejected', error: takenError(index) };
  }
  return answer;
}

/** Claims whose stream is gone or of another incarnation: freed meanwhile, or orphans (orphan-claims.ts). */
function staleClaims(claims: Claims, heads: Map<string, HeadItem | null>): EventIdClaimItem[] {
  return claims.filter((claim): claim is EventIdClaimItem => claim !== null && holderGone(claim, heads));
}

/** The claim's stream is gone, or is another incarnation than the one that stored the id. */
function holderGone(claim: EventIdClaimItem, heads: Map<string, HeadItem | null>): boolean {
  const head = heads.get(claim.streamPk) ?? null;
  return head === null || incarnationOf(head) !== incarnationOf(claim);
}

function takenError(index: number): InvalidInputError {
  return new InvalidInputError(
    'This event id is already stored in another stream: event ids are unique within a tenant.',
    ['events', index, 'id'],
  );
}

/** Claims all held by this stream, live (`head`): they decide whether this append replays one stored here. */
async function answerOwnClaims(
  store: Store,
  prepared: PreparedAppend,
  pk: string,
  claims: Claims,
  head: HeadItem,
): Promise<RefusalAnswer> {
  const first = claims[0];
  const isReplay =
    first !== null &&
    first !== undefined &&
    first.appendSize === prepared.events.length &&
    claims.every((claim, index) => claim !== null && claim.version === first.appendFirstVersion + index) &&
    first.version === first.appendFirstVersion;
  if (!isReplay) {
    const index = claims.findIndex((claim) => claim !== null);
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
