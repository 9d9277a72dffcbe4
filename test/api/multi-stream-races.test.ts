/**
 * Issue 16's race test: many concurrent appendToStreams over overlapping sets of versioned
 * streams, with expected versions and conditions, from two gateway processes (`src/main.ts`) on
 * one DynamoDB Local table, mixed with single appendEvents, deliberately stale expectations, and
 * unversioned appends to a scratch stream that one worker deletes now and then. Every request
 * and answer is recorded (multi-stream-races.workload.ts); afterwards the whole log and every
 * stream are read back and the history must show:
 *
 * - the log's positions are exactly 1..N (a position missing from the live log is a tombstone
 *   of the scratch stream, an acknowledged event of an incarnation deleted since);
 * - each pool stream's versions are 1..n, its events the log's events of that stream, in order;
 * - every success's events are the log's at the positions it was given, and those positions are
 *   contiguous across the call's appends in input order; each expectation of a success (append or
 *   condition) was the stream's version at the commit, counted from the log;
 * - every event in the log belongs to exactly one success: nothing stored by a loser, nothing
 *   twice;
 * - a success answered before another was sent has the lower positions;
 * - every loser got WrongExpectedVersionError naming one of its call's streams, its own
 *   expectation for it, and an actualVersion the stream really had while the loser was in flight:
 *   a version some success left it at, written by a call sent before the loser was answered, and
 *   not yet passed by a call answered before the loser was sent (a refusal from a stale cache
 *   would break this). Since no worker ever believes a version ahead of the truth, actualVersion
 *   is above the expectation: some success moved the stream past what the loser expected;
 * - no loser names a stream when one before it in input order (appends, then conditions) had
 *   moved before the loser was sent: that one failed at any instant the call was decided at;
 * - the same call sent to both gateways at once (a client's retry elsewhere) is stored once: one
 *   twin stores it and the other replays it with the same events, or both are refused (or, when
 *   the scratch stream was deleted in between, the replay is refused as a mix of stored and new
 *   ids, as the contract says).
 *
 * These checks were tried once each against `src/` broken on purpose, and each run failed:
 * refusing on a cached head (30+ findings), a ConditionCheck that always passes (8), a refusal
 * that does not first confirm the streams before it (2: that one needs a lucky interleaving).
 *
 * The figures (calls, successes, losers by type, events, duration) are printed on one line.
 * RACE_SEED=<n> replays a run's choices (not its timing).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  HeadDocument,
  LogDocument,
  StreamEventsDocument,
  type StreamEventsQuery,
} from '../generated/graphql.js';
import { uniquePrefix } from '../support/dynamo.js';
import {
  type GatewayProcess,
  graphqlData,
  killGatewayProcesses,
  startGatewayProcess,
} from '../support/gateway-process.js';
import {
  type CallPart,
  type CallRecord,
  type RaceStream,
  raceStream,
  runWorkload,
} from './multi-stream-races.workload.js';

const key = 'multi-stream-races-key-0123456789';
const seed = Number(process.env.RACE_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Half with a category, half without, so that errors name both kinds. */
const pool = Array.from({ length: 8 }, (_, index) =>
  raceStream(`pool-${index}`, index % 2 === 0 ? 'acct' : null, true),
);
const scratch = raceStream('scratch', 'scratch', false);
let gateways: GatewayProcess[] = [];

beforeAll(async () => {
  const env = { EVENTLOOM_API_KEYS: `${key}=ms-races` };
  const tablePrefix = uniquePrefix('msraces');
  gateways = await Promise.all([0, 1].map(() => startGatewayProcess({ env, tablePrefix })));
}, 120_000);
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  killGatewayProcesses();
});

const call = <TData, TVariables>(
  gateway: GatewayProcess,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> => graphqlData(gateway.url, document, variables, key);

interface LogEvent {
  id: string;
  position: number;
  version: number;
  streamId: string;
  category: string | null;
}

/** The whole live log, paged (tombstones are skipped, `lastPosition` covers them). */
async function readLog(gateway: GatewayProcess): Promise<{ events: LogEvent[]; lastPosition: number }> {
  const events: LogEvent[] = [];
  for (let after = 0; ; ) {
    const { events: page } = await call(gateway, LogDocument, { after, first: 1000 });
    for (const { node } of page.edges) {
      const { id, position, version, stream } = node;
      events.push({ id, position, version, streamId: stream.id, category: stream.category });
    }
    const lastPosition = page.lastPosition ?? after;
    if (lastPosition === after) return { events, lastPosition };
    after = lastPosition;
  }
}

/** A stream's version and all its events, paged. */
async function readStream(gateway: GatewayProcess, stream: RaceStream) {
  const ref =
    stream.category === null ? { name: stream.name } : { name: stream.name, category: stream.category };
  const events: { id: string; position: number; version: number }[] = [];
  let version = 0;
  for (let after: string | null = null; ; ) {
    const data: StreamEventsQuery = await call(gateway, StreamEventsDocument, {
      ref,
      first: 1000,
      ...(after ? { after } : {}),
    });
    version = data.stream?.version ?? 0;
    for (const { node } of data.stream?.events.edges ?? []) events.push(node);
    const info: { hasNextPage: boolean; endCursor: string | null } | undefined = data.stream?.events.pageInfo;
    if (!info?.hasNextPage) return { version, events };
    after = info.endCursor ?? null;
  }
}

/** A success that stored nothing: every append an idempotent retry (only twins may be). */
const isReplay = (record: CallRecord) =>
  record.outcome.kind === 'success' && record.outcome.appends.some((append) => append.replayed);
/**
 * How strongly a call's answer says it stored its ids: a success that is no replay, a replay
 * (the gateway's own retry of a transaction whose answer was lost is answered so too), an unknown
 * outcome, a refusal.
 */
const claimOf = (record: CallRecord) =>
  record.outcome.kind === 'success' ? (isReplay(record) ? 2 : 3) : record.outcome.kind === 'unknown' ? 1 : 0;
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const describeCall = (record: CallRecord) =>
  `call ${record.index} (${record.kind}, worker ${record.worker}, gateway ${record.gateway}: ${record.parts
    .map(
      (p) => `${p.condition ? 'if ' : ''}${p.stream.name}@${p.expectedVersion ?? '-'}+${p.eventIds.length}`,
    )
    .join(', ')})`;

/** An event of a call as the log holds it; `position` undefined: not live (a tombstone). */
interface Placed {
  part: CallPart;
  id: string;
  position: number | undefined;
  version: number | undefined;
}

/** A call whose events are stored: a success, or an unknown outcome found in the log. */
interface Commit {
  record: CallRecord;
  events: Placed[];
  first: number;
  last: number;
}

/** What the checks share: the log by position and id, the owner of each id, the commits. */
class History {
  readonly problems: string[] = [];
  readonly byPosition = new Map<number, LogEvent>();
  readonly byId = new Map<string, LogEvent>();
  readonly owners = new Map<string, { record: CallRecord; part: CallPart }>();
  readonly commits: Commit[] = [];
  /** Per pool stream id, the commit that wrote each version. */
  readonly writers = new Map<string, Map<number, Commit>>();

  constructor(
    readonly records: CallRecord[],
    readonly log: LogEvent[],
  ) {
    for (const event of log) {
      if (this.byId.has(event.id)) this.problems.push(`event ${event.id} is twice in the log`);
      this.byId.set(event.id, event);
      this.byPosition.set(event.position, event);
    }
    // A twin's ids are its twin's too: the owner of an id is the call that stored it, if any.
    for (const record of records) {
      for (const part of record.parts) {
        for (const id of part.eventIds) {
          const owner = this.owners.get(id);
          if (!owner || claimOf(record) > claimOf(owner.record)) this.owners.set(id, { record, part });
        }
      }
    }
    for (const record of records) this.addCommit(record);
    for (const commit of this.commits) {
      for (const { part, version } of commit.events) {
        if (!part.stream.pool || version === undefined) continue;
        const versions = this.writers.get(part.stream.id) ?? new Map<number, Commit>();
        versions.set(version, commit);
        this.writers.set(part.stream.id, versions);
      }
    }
  }

  private addCommit(record: CallRecord): void {
    const { outcome } = record;
    const appends = record.parts.filter((part) => !part.condition);
    if (this.owners.get(appends[0]?.eventIds[0] ?? '')?.record !== record) return;
    let events: Placed[];
    if (outcome.kind === 'success') {
      events = appends.flatMap((part, index) =>
        (outcome.appends[index]?.events ?? []).map((e) => ({
          part,
          id: e.id,
          position: e.position,
          version: e.version,
        })),
      );
    } else if (outcome.kind === 'unknown') {
      events = appends.flatMap((part) =>
        part.eventIds.map((id) => ({
          part,
          id,
          position: this.byId.get(id)?.position,
          version: this.byId.get(id)?.version,
        })),
      );
      // Not committed: nothing of it may be in the log (checked with every live event's owner).
      if (events.every((e) => e.position === undefined)) return;
    } else {
      return;
    }
    const positions = events.flatMap((e) => (e.position === undefined ? [] : [e.position]));
    this.commits.push({ record, events, first: Math.min(...positions), last: Math.max(...positions) });
  }

  check(ok: boolean, text: string): void {
    if (!ok) this.problems.push(text);
  }

  /** How many events of `streamId` the log holds before `position`: its version just before it. */
  versionBefore(streamId: string, position: number): number {
    return this.log.filter((e) => e.streamId === streamId && e.position < position).length;
  }
}

function checkLogShape(history: History, lastPosition: number, heads: number[]): void {
  history.check(
    new Set(heads).size === 1 && heads[0] === lastPosition,
    `heads ${heads} vs log's last ${lastPosition}`,
  );
  history.log.forEach((event, index) => {
    const previous = history.log[index - 1]?.position ?? 0;
    history.check(
      event.position > previous && event.position <= lastPosition,
      `log position ${event.position} after ${previous}`,
    );
  });
  // Each live event is a success's (or a committed unknown's), on the stream its call named.
  for (const event of history.log) {
    const owner = history.owners.get(event.id);
    const kind = owner?.record.outcome.kind;
    history.check(
      kind === 'success' || kind === 'unknown',
      `log event ${event.id}@${event.position} belongs to ${owner ? describeCall(owner.record) : 'no call'} (${kind})`,
    );
    if (owner)
      history.check(
        owner.part.stream.id === event.streamId && owner.part.stream.category === event.category,
        `log event ${event.id} is on another stream than its call's`,
      );
  }
  // A position missing from the live log is a tombstone: an acknowledged scratch event.
  const placed = new Map(
    history.commits.flatMap((c) =>
      c.events.flatMap((e) => (e.position === undefined ? [] : [[e.position, e] as const])),
    ),
  );
  for (const position of range(1, lastPosition)) {
    if (history.byPosition.has(position)) continue;
    const event = placed.get(position);
    history.check(
      event?.part.stream === scratch,
      `position ${position} is missing from the log and was no scratch event`,
    );
  }
}

function checkSuccess(history: History, record: CallRecord): void {
  if (record.outcome.kind !== 'success') return;
  const appends = record.parts.filter((part) => !part.condition);
  const { outcome } = record;
  history.check(
    outcome.appends.length === appends.length,
    `${describeCall(record)}: ${outcome.appends.length} results`,
  );
  const positions = outcome.appends.flatMap((append) => append.events.map((e) => e.position));
  history.check(
    positions.join() === range(positions[0] ?? 0, (positions[0] ?? 0) + positions.length - 1).join(),
    `${describeCall(record)}: positions ${positions} not contiguous`,
  );
  appends.forEach((part, index) => {
    const answer = outcome.appends[index];
    const versions = answer?.events.map((e) => e.version) ?? [];
    const from = part.expectedVersion === null ? (versions[0] ?? 0) - 1 : part.expectedVersion;
    history.check(answer?.replayed === isReplay(record), `${describeCall(record)}: replayed only in part`);
    history.check(
      answer?.events.map((e) => e.id).join() === part.eventIds.join(),
      `${describeCall(record)}: ids of append ${index}`,
    );
    history.check(
      versions.join() === range(from + 1, from + part.eventIds.length).join(),
      `${describeCall(record)}: versions ${versions} of append ${index}`,
    );
    // A replay answers with the stream as it is now, which may have moved since.
    history.check(
      isReplay(record) || answer?.streamVersion === versions.at(-1),
      `${describeCall(record)}: stream version ${answer?.streamVersion}`,
    );
    for (const event of answer?.events ?? []) {
      const stored = history.byPosition.get(event.position);
      if (stored === undefined && part.stream === scratch) continue; // deleted since: a tombstone
      history.check(
        stored?.id === event.id && stored.version === event.version && event.streamId === part.stream.id,
        `${describeCall(record)}: event ${event.id}@${event.position} is not the log's (${stored?.id})`,
      );
    }
  });
}

/**
 * The same call sent to both gateways at once: both refused, or one stored it and the other
 * replayed it (the same events, `replayed: true`). Never both stored, never one refused while
 * the other stored (the refused one would have seen the stored ids).
 */
/**
 * A twin refused as a mix of stored and new ids: its twin stored the call, then a deletion of the
 * scratch stream freed the scratch append's ids before this one was judged (the contract's
 * InvalidInputError for "some appends stored, others not", on the scratch append).
 */
function freedScratchRetry(history: History, record: CallRecord): boolean {
  const { outcome } = record;
  if (outcome.kind !== 'refused' || outcome.typename !== 'InvalidInputError') return false;
  const twin = history.records.find((r) => r.index === record.twin);
  const scratchAt = record.parts.filter((part) => !part.condition).findIndex((p) => p.stream === scratch);
  const stored = twin?.outcome.kind === 'success' && !isReplay(twin);
  return stored && scratchAt >= 0 && outcome.path?.join() === `input,appends,${scratchAt}`;
}

function checkTwin(history: History, record: CallRecord): void {
  const twin = record.twin === undefined ? undefined : history.records.find((r) => r.index === record.twin);
  if (twin === undefined || record.index > twin.index) return;
  const kinds = [record, twin]
    .map((r) => (isReplay(r) ? 'replayed' : freedScratchRetry(history, r) ? 'mixed' : r.outcome.kind))
    .sort();
  const what = `${describeCall(record)} sent to both gateways: ${kinds}`;
  if (kinds.includes('unknown')) return;
  history.check(
    ['refused,refused', 'replayed,success', 'mixed,success', 'replayed,replayed'].includes(kinds.join()),
    what,
  );
  const eventsOf = (r: CallRecord) =>
    r.outcome.kind === 'success' ? JSON.stringify(r.outcome.appends.map((a) => a.events)) : '';
  if (kinds.includes('replayed'))
    history.check(eventsOf(record) === eventsOf(twin), `${what}: the replay's events differ`);
}

function checkCommits(history: History): void {
  for (const commit of history.commits) {
    const { record } = commit;
    // Atomic: every event of a committed unknown is stored (a scratch one may be deleted since).
    const lost = commit.events.filter((e) => e.position === undefined && e.part.stream.pool);
    history.check(lost.length === 0, `${describeCall(record)}: committed only in part`);
    // A committed unknown's scratch events may be tombstones now: its known span may be shorter.
    const span = commit.last - commit.first + 1;
    const spanOk =
      record.outcome.kind === 'success' ? span === commit.events.length : span <= commit.events.length;
    history.check(spanOk, `${describeCall(record)}: spans ${commit.first}..${commit.last}`);
    // Each expectation, append's or condition's, was the stream's version at the commit.
    for (const part of record.parts) {
      if (!part.stream.pool) continue;
      const before = history.versionBefore(part.stream.id, commit.first);
      history.check(
        before === part.expectedVersion,
        `${describeCall(record)}: ${part.stream.name} was at ${before} when it committed at ${commit.first}`,
      );
    }
  }
  // Real time: a success answered before another was sent has the lower positions.
  const successes = history.commits.filter((c) => c.record.outcome.kind === 'success');
  for (const later of successes) {
    for (const earlier of successes) {
      if (earlier.record.answeredAt < later.record.sentAt)
        history.check(
          earlier.last < later.first,
          `${describeCall(earlier.record)} was answered before ${describeCall(later.record)} was sent, but committed after it`,
        );
    }
  }
}

function checkLoser(history: History, record: CallRecord): void {
  const { outcome } = record;
  if (outcome.kind !== 'refused' || record.kind === 'delete' || freedScratchRetry(history, record)) return;
  const what = `${describeCall(record)} refused with ${outcome.typename} on ${outcome.category}/${outcome.streamId} (${outcome.expectedVersion} → ${outcome.actualVersion})`;
  if (outcome.typename !== 'WrongExpectedVersionError') {
    history.check(false, what);
    return;
  }
  const part = record.parts.find(
    (p) => p.stream.id === outcome.streamId && p.stream.category === outcome.category,
  );
  if (part === undefined || part.expectedVersion === null) {
    history.check(false, `${what}: not a versioned stream of its call`);
    return;
  }
  const expected = part.expectedVersion;
  const actual = outcome.actualVersion ?? -1;
  const writers = history.writers.get(part.stream.id) ?? new Map<number, Commit>();
  history.check(outcome.expectedVersion === expected, `${what}: not its expectation ${expected}`);
  history.check(
    actual > expected && writers.has(expected + 1),
    `${what}: the stream had not moved past ${expected}`,
  );
  history.check(actual <= writers.size, `${what}: the stream never reached ${actual}`);
  const madeIt = writers.get(actual);
  const passedIt = writers.get(actual + 1);
  history.check(
    actual === 0 || (madeIt !== undefined && madeIt !== passedIt),
    `${what}: ${actual} is not a version the stream was left at`,
  );
  history.check(
    madeIt === undefined || madeIt.record.sentAt < record.answeredAt,
    `${what}: version ${actual} was written by a call sent after this one's answer`,
  );
  const staleBy = passedIt?.record.outcome.kind === 'success' && passedIt.record.answeredAt < record.sentAt;
  history.check(
    !staleBy,
    `${what}: the stream was past ${actual} before this call was sent (${passedIt ? describeCall(passedIt.record) : ''})`,
  );
  checkFirstNamed(history, record, record.parts.indexOf(part), what);
}

/** Whether `part` had moved past its expectation before `record` was sent (versions only grow). */
function movedBefore(history: History, part: CallPart, record: CallRecord): boolean {
  if (!part.stream.pool || part.expectedVersion === null) return false;
  const mover = history.writers.get(part.stream.id)?.get(part.expectedVersion + 1)?.record;
  return mover?.outcome.kind === 'success' && mover.answeredAt < record.sentAt;
}

/**
 * When several streams fail, the first in input order (appends, then conditions) is named. A
 * stream that had moved before the call was sent failed at every instant the call could have
 * been decided at, so no stream after it may be named.
 */
function checkFirstNamed(history: History, record: CallRecord, named: number, what: string): void {
  const earlier = record.parts.slice(0, named).find((part) => movedBefore(history, part, record));
  history.check(
    earlier === undefined,
    `${what}: ${earlier?.stream.name} comes first and had moved before the call was sent`,
  );
}

function checkStream(
  history: History,
  stream: RaceStream,
  read: Awaited<ReturnType<typeof readStream>>,
): void {
  const logged = history.log.filter((e) => e.streamId === stream.id && e.category === stream.category);
  history.check(
    read.events.map((e) => e.version).join() === range(1, read.events.length).join(),
    `${stream.name}: versions ${read.events.map((e) => e.version)}`,
  );
  history.check(
    read.version === read.events.length,
    `${stream.name}: version ${read.version} with ${read.events.length} events`,
  );
  history.check(
    read.events.map((e) => `${e.id}@${e.position}`).join() ===
      logged.map((e) => `${e.id}@${e.position}`).join(),
    `${stream.name}: its events are not the log's`,
  );
}

/** The figures of a run, for the closing note. */
function figures(records: CallRecord[], lastPosition: number, live: number, ms: number) {
  const count = (predicate: (record: CallRecord) => boolean) => records.filter(predicate).length;
  const appendCalls = records.filter((r) => r.kind !== 'delete');
  const losers: Record<string, number> = {};
  for (const { outcome } of appendCalls)
    if (outcome.kind === 'refused') losers[outcome.typename] = (losers[outcome.typename] ?? 0) + 1;
  return {
    seed,
    calls: records.length,
    multi: count((r) => r.kind === 'multi'),
    single: count((r) => r.kind === 'single'),
    deletions: count((r) => r.kind === 'delete'),
    successes: count((r) => r.kind !== 'delete' && r.outcome.kind === 'success'),
    losers,
    loserShare: Number((Object.values(losers).reduce((a, b) => a + b, 0) / appendCalls.length).toFixed(2)),
    conditionLosers: count(
      (r) =>
        r.outcome.kind === 'refused' &&
        r.parts.some((p) => p.condition && p.stream.id === (r.outcome as { streamId: string }).streamId),
    ),
    twins: count((r) => r.twin !== undefined) / 2,
    replays: count(isReplay),
    /** Replays of no twin: a gateway's own retry of a transaction whose answer it lost. */
    ownReplays: count((r) => isReplay(r) && r.twin === undefined),
    unknown: count((r) => r.outcome.kind === 'unknown'),
    events: lastPosition,
    tombstones: lastPosition - live,
    ms: Math.round(ms),
  };
}

describe('appendToStreams races across two gateway processes', () => {
  test('the log stays 1..N, streams 1..n, successes contiguous, losers named on a stream that moved', async () => {
    const started = performance.now();
    const records = await runWorkload({ gateways, key, pool, scratch, workers: 8, callsPerWorker: 28, seed });
    const raced = performance.now() - started;

    const [one, two] = gateways as [GatewayProcess, GatewayProcess];
    const heads = await Promise.all(gateways.map(async (g) => (await call(g, HeadDocument, {})).head));
    const { events: log, lastPosition } = await readLog(one);
    const history = new History(records, log);
    checkLogShape(history, lastPosition, heads);
    for (const record of records) checkSuccess(history, record);
    checkCommits(history);
    for (const record of records) checkLoser(history, record);
    for (const record of records) checkTwin(history, record);
    for (const stream of [...pool, scratch]) checkStream(history, stream, await readStream(two, stream));
    for (const record of records.filter((r) => r.kind === 'delete' && r.outcome.kind !== 'unknown'))
      history.check(
        record.outcome.kind === 'deleted',
        `${describeCall(record)}: ${JSON.stringify(record.outcome)}`,
      );

    const figuresOfRun = figures(records, lastPosition, log.length, performance.now() - started);
    console.log(`multi-stream races (${Math.round(raced)} ms racing): ${JSON.stringify(figuresOfRun)}`);
    expect(history.problems.slice(0, 30)).toEqual([]);
    // The run raced for real: many losers, many winners, conditions among both.
    expect(figuresOfRun.loserShare).toBeGreaterThan(0.1);
    expect(figuresOfRun.successes).toBeGreaterThan(records.length / 5);
    expect(figuresOfRun.conditionLosers).toBeGreaterThan(0);
    expect(history.commits.some((c) => c.record.parts.some((p) => p.condition))).toBe(true);
    expect(figuresOfRun.tombstones).toBeGreaterThan(0);
  }, 120_000);
});
