/**
 * The committer's calls that are not ready to be written (`committer.ts`): a refusal answered
 * (or found to be an idempotent retry, `call-refusal.ts`), a deletion to finish first, a head to
 * confirm. Each call is carried out alone: when one call's reads or its deletion fail, that call
 * is answered `STORE_UNAVAILABLE` (retryable, nothing written) and the rest of the batch goes on.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { answerCallRefusal } from './call-refusal.js';
import type { StreamDeletion } from './deletion.js';
import { toStoreUnavailable } from './dynamo-errors.js';
import type { EventStoreError } from './errors.js';
import type { CommitView, Decision, HeadCache } from './head-cache.js';
import type { TransactionAppend, TransactionCall } from './transaction.js';
import type { AppendResult } from './types.js';

/**
 * A call waiting to be committed. Each part's `decidedOn` is the head the expected-version rule
 * was applied to when the call was found ready: the transaction writes on exactly this head,
 * conditioned on it; the cache may change while the batch is decided (a deletion through this
 * store forgets the head), the decision may not.
 */
export interface PendingCall extends TransactionCall {
  parts: TransactionAppend[];
  /** An append, not appendToStreams: its refusals' paths are the append's own (no `appends.0`). */
  single: boolean;
  /** One result per append, in input order. */
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

export interface RefusedCallsOptions {
  client: DynamoDBClient;
  table: string;
  tenant: string;
  deletion: Pick<StreamDeletion, 'finish'>;
}

type Outcome = 'answered' | 'retry';

export class RefusedCalls {
  constructor(
    private readonly options: RefusedCallsOptions,
    private readonly heads: HeadCache,
  ) {}

  /** Carries out what `CommitView.decideCall` decided for a call that is not ready. */
  carryOut(
    call: PendingCall,
    part: TransactionAppend,
    decision: Exclude<Decision, { kind: 'ready' }>,
    view: CommitView,
  ): Promise<Outcome> {
    return this.alone(call, async () => {
      switch (decision.kind) {
        case 'finish-deletion':
          await this.options.deletion.finish(decision.head);
          view.distrust(part.pk);
          return 'retry';
        case 'confirm':
          view.confirm(part.pk);
          return 'retry';
        case 'refuse':
          return this.answerRefused(call, decision.error, view);
      }
    });
  }

  /** A call whose id claim failed in a cancelled transaction: a replay, a refusal, or a retry. */
  answerClaimRefusal(call: PendingCall, view: CommitView): Promise<Outcome> {
    return this.alone(call, () => this.answerRefused(call, null, view));
  }

  /** A read or a deletion for one call that fails answers that call alone; the batch goes on. */
  private async alone(call: PendingCall, step: () => Promise<Outcome>): Promise<Outcome> {
    try {
      return await step();
    } catch (error) {
      // Its heads may be half-way through a deletion now: believe nothing of them.
      for (const { pk } of call.parts) this.heads.forget(pk);
      call.reject(toStoreUnavailable(error, 'answering a refused append'));
      return 'answered';
    }
  }

  /** Answers a call that a condition refused (`call-refusal.ts`), or says to try it again. */
  private async answerRefused(
    call: PendingCall,
    error: EventStoreError | null,
    view: CommitView,
  ): Promise<Outcome> {
    const answer = await answerCallRefusal(this.options, call, error);
    if (answer.kind === 'retry') {
      // A stream being deleted still holds some of the ids: finish it, then they are free.
      if (answer.finish) {
        await this.options.deletion.finish(answer.finish);
        this.heads.forget(answer.finish.pk);
      }
      // Whatever we believed of these heads no longer decides anything: read them again.
      for (const { pk } of call.parts) view.distrust(pk);
      return 'retry';
    }
    if (answer.kind === 'rejected') {
      call.reject(answer.error);
    } else {
      for (const { pk, head } of answer.heads) this.heads.remember(pk, head);
      call.resolve(answer.results);
    }
    return 'answered';
  }
}
