/**
 * Answers a call (an append, or an appendToStreams) that a condition refused, from what DynamoDB
 * holds now. An append to one stream is answered by `replay.ts` as always. An appendToStreams
 * judges each of its appends as appendEvents would (`judgeStoredIds`), on claims read together:
 * - every append a replay: the call succeeds with the stored events, whatever its conditions
 *   now say (the ids decide, as for a single append), and nothing is written;
 * - some replays and some new appends, or an append mixing stored and new ids, or an id taken by
 *   another stream: InvalidInputError, its path under the append (`appends.<i>`);
 * - no id stored: the refusal's own error stands (it names its stream).
 */
import { InvalidInputError } from './errors.js';
import type { HeadItem } from './items.js';
import { answerRefusal, givesIds, judgeStoredIds, type RefusalAnswer, readClaims } from './replay.js';
import type { TransactionAppend } from './transaction.js';
import type { AppendResult } from './types.js';

export type CallAnswer =
  | { kind: 'rejected'; error: Error }
  /** Each append's stored events, and the heads of its streams as read, in input order. */
  | { kind: 'replayed'; results: AppendResult[]; heads: { pk: string; head: HeadItem }[] }
  | { kind: 'retry'; finish?: HeadItem };

type Store = Parameters<typeof answerRefusal>[0];

/**
 * `error`: the refusal of the first stream of the call that failed, null when only a claim did.
 * `single`: an append, answered with its own paths; an appendToStreams of one append is a call
 * like any other, its paths under `appends.0`.
 */
export async function answerCallRefusal(
  store: Store,
  { parts, single }: { parts: readonly TransactionAppend[]; single: boolean },
  error: Error | null,
): Promise<CallAnswer> {
  const appends = parts.filter((part) => !part.condition);
  const only = appends[0];
  if (single && only !== undefined) {
    const answer = await answerRefusal(store, only.prepared, only.pk, error);
    return answer.kind === 'replayed'
      ? { kind: 'replayed', results: [answer.result], heads: [{ pk: only.pk, head: answer.head }] }
      : answer;
  }
  // A version refusal: appends whose ids the gateway made are new without reading their claims.
  // The others' claims are read together, as of one instant (`readClaims`).
  const judging = appends.filter((append) => error === null || givesIds(append.prepared));
  const claims = await readClaims(
    store,
    judging.map((append) => append.prepared),
  );
  const judged = await Promise.all(
    appends.map((append) => {
      const own = claims[judging.indexOf(append)];
      return own === undefined
        ? ({ kind: 'new' } as const)
        : judgeStoredIds(store, append.prepared, append.pk, own);
    }),
  );
  return combine(appends, judged, error);
}

function combine(
  appends: readonly TransactionAppend[],
  judged: (RefusalAnswer | { kind: 'new' })[],
  error: Error | null,
): CallAnswer {
  const retry = judged.find((answer) => answer.kind === 'retry');
  if (retry !== undefined) return retry;
  const rejected = judged.findIndex((answer) => answer.kind === 'rejected');
  const refusal = judged[rejected];
  if (refusal?.kind === 'rejected') return { kind: 'rejected', error: underAppend(refusal.error, rejected) };
  const replays = judged.flatMap((answer, index) =>
    answer.kind === 'replayed' ? [{ answer, pk: appends[index]?.pk ?? '' }] : [],
  );
  if (replays.length === judged.length) {
    return {
      kind: 'replayed',
      results: replays.map(({ answer }) => answer.result),
      heads: replays.map(({ answer, pk }) => ({ pk, head: answer.head })),
    };
  }
  if (replays.length > 0) {
    return {
      kind: 'rejected',
      error: new InvalidInputError(
        'Some appends of this call are stored already and others are not: a retry must resend the same call.',
        ['appends', judged.findIndex((answer) => answer.kind === 'new')],
      ),
    };
  }
  // No id stored: the refusal stands. Without one, the claims vanished meanwhile: try again.
  return error === null ? { kind: 'retry' } : { kind: 'rejected', error };
}

/** An append's InvalidInputError, its path made relative to the call. */
function underAppend(error: Error, index: number): Error {
  return error instanceof InvalidInputError
    ? new InvalidInputError(error.message, ['appends', index, ...error.path])
    : error;
}
