/**
 * Attack on appendToStreams racing stream deletion, across two gateways (two store instances,
 * each with its own client and committers) on one table. Transfers write two of four accounts
 * in one call with the expected versions they read, half of them on the condition that a guard
 * stream is at the version they read; single appends write the accounts too, a guard writer
 * moves the guard and deletes it now and then, and a deleter deletes accounts while all this
 * runs, so calls meet streams that are being deleted, just deleted and created again (a new
 * incarnation), with caches made stale by the other gateway. Accounts hold many events, so a
 * deletion takes several transactions.
 *
 * Afterwards the whole history is checked against every answer: the chaos checker
 * (`checkHistory`: the log 1..N, every acknowledged event where it was acknowledged or
 * tombstoned by a deletion of its own incarnation, live streams 1..n, claims), and on top
 * (`multi-stream-journal.ts`) each success whole and contiguous, every position owed to one
 * success (a refused call stored nothing), every refusal naming a stream of its call, and every
 * condition on the guard true where the guard's history shows it.
 */
import { describe, expect, test } from 'vitest';
import type { TenantEventStore } from '../../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../../support/dynamo.js';
import { seededRandom } from '../../support/random.js';
import { checkHistory, checkReads, type DeleteEntry, readRaw, type StreamName } from '../chaos/checker.js';
import {
  appendEntries,
  appendOf,
  type CallEntry,
  checkCalls,
  checkConditions,
  checkRefusals,
  checkRefusalTimes,
  conditionOf,
  type DeletionEntry,
  journaled,
  tally,
} from './multi-stream-journal.js';

const accounts = ['a0', 'a1', 'a2', 'a3'];
const guard = 'guard';
const transferWorkers = 4;
const transfersPerWorker = 30;
const singlesPerWorker = 30;
const guardSteps = 30;
const deletions = 10;
/** Events per append: up to 8 per account in a transfer, 12 in a single append (a deletion of 34+ events takes several transactions). */
const maxTransferEvents = 8;
const maxSingleEvents = 12;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function versionOf(store: TenantEventStore, name: string): Promise<number> {
  return (await store.getStream({ name }))?.version ?? 0;
}

describe('appendToStreams racing deleteStream and re-creation, two gateways', () => {
  test('no event lost, duplicated or half-written; refusals named; conditions held', async () => {
    const prefix = uniquePrefix('msdel');
    const tenantName = uniqueTenant();
    const gateways = await Promise.all(
      [0, 1].map(async () => (await createTestStore(prefix)).store.forTenant(tenantName)),
    );
    const gateway = (index: number) => gateways[index % 2]!;
    const journal: CallEntry[] = [];
    const deletes: DeleteEntry[] = [];
    const deletionTimes: DeletionEntry[] = [];
    // ATTACK_SEED replays another sequence of choices (timings differ from run to run anyway).
    const random = seededRandom(Number(process.env.ATTACK_SEED ?? 16));
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

    const transfer = async (worker: number) => {
      for (let step = 0; step < transfersPerWorker; step++) {
        const store = gateway(worker + step);
        const from = pick(accounts);
        const to = pick(accounts.filter((name) => name !== from));
        const [fromVersion, toVersion, guardVersion] = await Promise.all([
          versionOf(store, from),
          versionOf(store, to),
          versionOf(store, guard),
        ]);
        await journaled(journal, `t${worker}/g${(worker + step) % 2}`, store, {
          appends: [
            appendOf(from, 1 + Math.floor(random() * maxTransferEvents), fromVersion),
            appendOf(to, 1 + Math.floor(random() * maxTransferEvents), toVersion),
          ],
          conditions: random() < 0.5 ? [conditionOf(guard, guardVersion)] : [],
        });
      }
    };
    const singles = async () => {
      for (let step = 0; step < singlesPerWorker; step++) {
        const store = gateway(step);
        const name = pick(accounts);
        const request = {
          appends: [appendOf(name, 1 + Math.floor(random() * maxSingleEvents), await versionOf(store, name))],
        };
        await journaled(journal, `s/g${step % 2}`, store, request, true);
      }
    };
    const remove = async (w: string, store: TenantEventStore, name: string) => {
      const entry: DeleteEntry = {
        t: 'delete',
        w,
        stream: { name, category: null },
        expected: null,
        ok: false,
      };
      const timed: DeletionEntry = { name, started: performance.now(), ended: 0, ok: false };
      try {
        entry.deletedEvents = (await store.deleteStream({ name })).deletedEvents;
        entry.ok = true;
      } catch (error) {
        entry.err = (error as { code?: string }).code ?? String(error);
      }
      timed.ended = performance.now();
      timed.ok = entry.ok;
      deletes.push(entry);
      deletionTimes.push(timed);
    };
    const guardWriter = async () => {
      for (let step = 0; step < guardSteps; step++) {
        const store = gateway(step + 1);
        if (step % 6 === 5) await remove(`gd/g${(step + 1) % 2}`, store, guard);
        else {
          const request = { appends: [appendOf(guard, 1, await versionOf(store, guard))] };
          await journaled(journal, `gw/g${(step + 1) % 2}`, store, request, true);
        }
      }
    };
    const deleter = async () => {
      for (let step = 0; step < deletions; step++) {
        await sleep(150 + random() * 300);
        // The longest account: its deletion takes the most transactions, the widest window.
        const versions = await Promise.all(accounts.map((name) => versionOf(gateway(step), name)));
        const longest = accounts[versions.indexOf(Math.max(...versions))]!;
        await remove(`d/g${step % 2}`, gateway(step), longest);
      }
    };

    const started = performance.now();
    await Promise.all([
      ...Array.from({ length: transferWorkers }, (_, worker) => transfer(worker)),
      singles(),
      guardWriter(),
      deleter(),
    ]);
    const elapsed = Math.round(performance.now() - started);

    const refs: StreamName[] = [...accounts, guard].map((name) => ({ name, category: null }));
    const raw = await readRaw(testClient(), prefix, tenantName, refs);
    const notes: string[] = [];
    const problems = [
      ...checkHistory(raw, appendEntries(journal), deletes, notes, { allowMarked: true }),
      ...checkCalls(raw, journal),
      ...checkRefusals(journal),
      ...checkConditions(journal, guard),
      ...checkRefusalTimes(journal, deletionTimes),
      ...(await checkReads(gateway(0), refs)),
    ];
    const figures = {
      elapsed,
      positions: raw.counter,
      calls: tally(journal),
      deletions: deletes.filter((entry) => entry.ok).length,
      deletedEvents: deletes.reduce((sum, entry) => sum + (entry.deletedEvents ?? 0), 0),
      deleteErrors: deletes.filter((entry) => !entry.ok).map((entry) => entry.err),
      guardConditions: journal.filter((call) => (call.request.conditions?.length ?? 0) > 0 && call.results)
        .length,
    };
    console.log(JSON.stringify(figures), notes);
    expect(problems).toEqual([]);
    // The checks can fail: a success left out of the journal leaves its positions owned by none.
    const withoutOne = journal.filter(
      (call) => call !== journal.find((c) => c.results && !c.results[0]?.replayed),
    );
    expect(checkCalls(raw, withoutOne).length).toBeGreaterThan(0);
    // Every call was answered with success or a refusal of the rules: none left unknown.
    expect(journal.filter((call) => call.refusal?.code === 'STORE_UNAVAILABLE')).toEqual([]);
    // The attack did what it says: deletions landed, and calls were both stored and refused.
    expect(figures.deletions).toBeGreaterThan(5);
    expect(figures.deletedEvents).toBeGreaterThan(60);
    expect(figures.calls['multi:ok'] ?? 0).toBeGreaterThan(10);
    expect(figures.calls['multi:WRONG_EXPECTED_VERSION'] ?? 0).toBeGreaterThan(0);
  });
});
