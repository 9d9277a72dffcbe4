/**
 * Attacks on appendToStreams' idempotent retries and tenant-wide event ids, across two gateways
 * (two store instances on one table): the same call sent to both at once (and twice to one), its
 * retries once the streams and the condition have moved on, and one new id wanted at once by a
 * call and by a single append or another call on the other gateway. Each answer must be one the
 * contract allows, and the whole history afterwards must hold every acknowledged event once,
 * owed to exactly one success (`multi-stream-journal.ts`, `../chaos/checker.ts`).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { AppendToStreamsRequest, TenantEventStore } from '../../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../../support/dynamo.js';
import { checkHistory, readRaw, type StreamName } from '../chaos/checker.js';
import {
  appendEntries,
  appendOf,
  type CallEntry,
  checkCalls,
  conditionOf,
  journaled,
  tally,
} from './multi-stream-journal.js';

const rounds = 20;

async function twoGateways() {
  const prefix = uniquePrefix('msretry');
  const tenant = uniqueTenant();
  const [here, there] = await Promise.all(
    [0, 1].map(async () => (await createTestStore(prefix)).store.forTenant(tenant)),
  );
  return { here: here!, there: there!, tenant, prefix };
}

async function versionOf(store: TenantEventStore, name: string): Promise<number> {
  return (await store.getStream({ name }))?.version ?? 0;
}

async function historyProblems(prefix: string, tenant: string, names: string[], journal: CallEntry[]) {
  const refs: StreamName[] = names.map((name) => ({ name, category: null }));
  const raw = await readRaw(testClient(), prefix, tenant, refs);
  return [...checkHistory(raw, appendEntries(journal), []), ...checkCalls(raw, journal)];
}

const summary = (entry: CallEntry) =>
  entry.results
    ? { replayed: entry.results.map((r) => r.replayed), events: entry.results.map((r) => r.events) }
    : { refused: entry.refusal?.code, path: entry.refusal?.path };

describe('appendToStreams retries and event ids across two gateways', () => {
  test('the same call sent to both gateways at once is stored once; later retries replay it whatever moved since', async () => {
    const { here, there, tenant, prefix } = await twoGateways();
    const journal: CallEntry[] = [];
    let winsHere = 0;
    for (let round = 0; round < rounds; round++) {
      const [a, b, guard] = await Promise.all(['a', 'b', 'guard'].map((name) => versionOf(here, name)));
      const call: AppendToStreamsRequest = {
        appends: [appendOf('a', 2, a ?? 0), appendOf('b', 1, b ?? 0)],
        conditions: [conditionOf('guard', guard ?? 0)],
      };
      // Every third round both copies go to one gateway (one queue: the second waits a batch).
      const second = round % 3 === 2 ? here : there;
      const [first, other] = await Promise.all([
        journaled(journal, `r${round}/here`, here, call),
        journaled(journal, `r${round}/${second === here ? 'here' : 'there'}`, second, call),
      ]);
      const answers = [summary(first), summary(other)];
      expect(answers.map((answer) => answer.replayed).sort()).toEqual([
        [false, false],
        [true, true],
      ]);
      expect(answers[0]?.events).toEqual(answers[1]?.events);
      if (!first.results?.[0]?.replayed) winsHere++;
      // The streams and the guard move on (on the other gateway); a retry still replays.
      if (round % 2 === 1) {
        await journaled(journal, `r${round}/move`, there, { appends: [appendOf('guard', 1, null)] }, true);
        await journaled(
          journal,
          `r${round}/move`,
          there,
          { appends: [appendOf('b', 1, (b ?? 0) + 1)] },
          true,
        );
        const late = await journaled(journal, `r${round}/retry`, here, call);
        expect(summary(late)).toEqual({ replayed: [true, true], events: answers[0]?.events });
      }
    }
    console.log(JSON.stringify({ rounds, winsHere, calls: tally(journal) }));
    expect(await historyProblems(prefix, tenant, ['a', 'b', 'guard'], journal)).toEqual([]);
  });

  test('one new id wanted at once by a call and by a single append or a call on the other gateway: exactly one holds it', async () => {
    const { here, there, tenant, prefix } = await twoGateways();
    const journal: CallEntry[] = [];
    const names: string[] = [];
    const winners: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const id = randomUUID();
      const withId = (name: string) => ({
        stream: { name },
        events: [{ id, type: 'Wanted', data: { round } }],
      });
      const [x, y, z, w] = ['x', 'y', 'z', 'w'].map((name) => `${name}${round}`) as [
        string,
        string,
        string,
        string,
      ];
      names.push(x, y, z, w);
      const [gatewayOfCall, gatewayOfOther] = round % 2 === 0 ? [here, there] : [there, here];
      const single = round % 4 < 2;
      const [call, other] = await Promise.all([
        journaled(journal, `r${round}/call`, gatewayOfCall, { appends: [appendOf(x, 1, 0), withId(y)] }),
        single
          ? journaled(journal, `r${round}/single`, gatewayOfOther, { appends: [withId(z)] }, true)
          : journaled(journal, `r${round}/call2`, gatewayOfOther, {
              appends: [withId(z), appendOf(w, 2, null)],
            }),
      ]);
      const outcomes = [summary(call), summary(other)];
      const stored = outcomes.filter((outcome) => outcome.events !== undefined);
      expect(stored, JSON.stringify(outcomes)).toHaveLength(1);
      const loser = call.results ? other : call;
      const taken = { refused: 'INVALID_INPUT' };
      if (loser === call)
        expect(summary(call)).toEqual({ ...taken, path: ['appends', '1', 'events', '0', 'id'] });
      else if (single) expect(summary(other)).toEqual({ ...taken, path: ['events', '0', 'id'] });
      else expect(summary(other)).toEqual({ ...taken, path: ['appends', '0', 'events', '0', 'id'] });
      winners.push(loser === call ? 'other' : 'call');
      // Nothing of the loser was stored, its other append included.
      const loserStreams = loser === call ? [x, y] : single ? [z] : [z, w];
      for (const name of loserStreams) expect(await here.getStream({ name })).toBeNull();
    }
    console.log(JSON.stringify({ rounds, winners }));
    expect(await historyProblems(prefix, tenant, names, journal)).toEqual([]);
  });
});
