// The journal of the multi-stream attack tests: every call (appendToStreams, or a single append
// journaled as a call of one append) with its request, its answer and when it ran, and the
// checks that only a multi-stream history needs on top of `checkHistory` (../chaos/checker.ts):
// each success stored whole and contiguous, every log position owed to exactly one success,
// refusals naming a stream of their call, and conditions that held where the history shows it.
import { randomUUID } from 'node:crypto';
import {
  type AppendRequest,
  type AppendResult,
  type AppendToStreamsRequest,
  type StreamCondition,
  streamIdForName,
  type TenantEventStore,
} from '../../../src/store/index.js';
import { type AckEvent, type AppendEntry, ackEventOf, type RawState } from '../chaos/checker.js';

export interface Refusal {
  code: string;
  streamId?: string;
  category?: string | null;
  expectedVersion?: number;
  actualVersion?: number;
  path?: (string | number)[];
  message: string;
}

export interface CallEntry {
  /** Who sent it (a worker and gateway), for the messages. */
  w: string;
  request: AppendToStreamsRequest;
  started: number;
  ended: number;
  results?: AppendResult[];
  refusal?: Refusal;
}

/** An append of `count` events with ids chosen here (so that the checker knows them). */
export function appendOf(name: string, count: number, expectedVersion: number | null): AppendRequest {
  return {
    stream: { name },
    expectedVersion,
    events: Array.from({ length: count }, (_, index) => ({
      id: randomUUID(),
      type: 'Attacked',
      data: { name, index },
    })),
  };
}

export function conditionOf(name: string, expectedVersion: number): StreamCondition {
  return { stream: { name }, expectedVersion };
}

function refusalOf(error: unknown): Refusal {
  const e = error as Partial<Refusal> & { message?: string };
  return {
    code: e.code ?? 'ERROR',
    message: e.message ?? String(error),
    ...(e.streamId === undefined ? {} : { streamId: e.streamId, category: e.category ?? null }),
    ...(e.expectedVersion === undefined ? {} : { expectedVersion: e.expectedVersion }),
    ...(e.actualVersion === undefined ? {} : { actualVersion: e.actualVersion }),
    ...(e.path === undefined ? {} : { path: e.path }),
  };
}

/** Sends `request` (one append: through `append`) and journals what came back. */
export async function journaled(
  journal: CallEntry[],
  w: string,
  store: TenantEventStore,
  request: AppendToStreamsRequest,
  single = false,
): Promise<CallEntry> {
  const entry: CallEntry = { w, request, started: performance.now(), ended: 0 };
  try {
    const only = request.appends[0];
    entry.results =
      single && only !== undefined
        ? [await store.append(only)]
        : (await store.appendToStreams(request)).appends;
  } catch (error) {
    entry.refusal = refusalOf(error);
  }
  entry.ended = performance.now();
  journal.push(entry);
  return entry;
}

/** Each append of each call, as `checkHistory` takes them. */
export function appendEntries(journal: readonly CallEntry[]): AppendEntry[] {
  return journal.flatMap((call, index) =>
    call.request.appends.map((append, part): AppendEntry => {
      const result = call.results?.[part];
      const events: AckEvent[] | undefined = result?.events.map(ackEventOf);
      return {
        t: 'append',
        w: call.w,
        inst: index,
        kind:
          call.request.appends.length > 1 || (call.request.conditions?.length ?? 0) > 0 ? 'multi' : 'single',
        stream: { name: (append.stream as { name: string }).name, category: null },
        expectedVersion: append.expectedVersion ?? null,
        ids: append.events.map((event) => event.id as string),
        ok: result !== undefined,
        ...(result === undefined ? { err: call.refusal?.code ?? 'ERROR' } : {}),
        ...(result === undefined ? {} : { replayed: result.replayed, events: events ?? [] }),
        ...(result === undefined
          ? {}
          : { info: { version: result.stream.version, versioned: result.stream.versioned } }),
      };
    }),
  );
}

const describeCall = (call: CallEntry) =>
  `${call.w}: ${call.request.appends
    .map((a) => `${(a.stream as { name: string }).name}@${a.expectedVersion ?? '-'}x${a.events.length}`)
    .join(
      ' ',
    )}${(call.request.conditions ?? []).map((c) => ` ?${(c.stream as { name: string }).name}=${c.expectedVersion}`).join('')}`;

/**
 * A success stored whole: one result per append, each with its own ids, and the call's events at
 * consecutive positions in the order of its appends. Every log position up to the counter is owed
 * to exactly one success that was not a replay: a refused call stored nothing.
 */
export function checkCalls(raw: RawState, journal: readonly CallEntry[]): string[] {
  const problems: string[] = [];
  const owner = new Map<number, CallEntry>();
  for (const call of journal) {
    if (call.results === undefined) continue;
    if (call.results.length !== call.request.appends.length)
      problems.push(`${describeCall(call)}: ${call.results.length} results`);
    const positions = call.results.flatMap((result) => result.events.map((event) => event.position));
    const replayed = call.results.map((result) => result.replayed);
    if (replayed.some((r) => r !== replayed[0])) problems.push(`${describeCall(call)}: replayed ${replayed}`);
    const first = positions[0] ?? 0;
    if (positions.some((position, index) => position !== first + index))
      problems.push(`${describeCall(call)}: positions ${positions.join(',')} not consecutive`);
    if (replayed[0]) continue;
    for (const position of positions) {
      const other = owner.get(position);
      if (other !== undefined)
        problems.push(`position ${position} owed to ${describeCall(other)} and ${describeCall(call)}`);
      owner.set(position, call);
    }
  }
  for (let position = 1; position <= raw.counter; position++)
    if (!owner.has(position)) problems.push(`position ${position} stored, but no success owns it`);
  return problems;
}

/** A refusal of a version rule names a stream of its call, with that stream's expected version. */
export function checkRefusals(journal: readonly CallEntry[]): string[] {
  const problems: string[] = [];
  const versionCodes = ['WRONG_EXPECTED_VERSION', 'EXPECTED_VERSION_REQUIRED', 'STREAM_IS_UNVERSIONED'];
  for (const call of journal) {
    const refusal = call.refusal;
    if (refusal === undefined || !versionCodes.includes(refusal.code)) continue;
    const parts = [
      ...call.request.appends.map((a) => ({
        name: (a.stream as { name: string }).name,
        expected: a.expectedVersion ?? null,
      })),
      ...(call.request.conditions ?? []).map((c) => ({
        name: (c.stream as { name: string }).name,
        expected: c.expectedVersion,
      })),
    ];
    const named = parts.find((part) => streamIdForName(part.name) === refusal.streamId);
    if (named === undefined) {
      problems.push(
        `${describeCall(call)}: ${refusal.code} names no stream of the call (${refusal.streamId})`,
      );
      continue;
    }
    if (refusal.code === 'WRONG_EXPECTED_VERSION' && refusal.expectedVersion !== named.expected)
      problems.push(`${describeCall(call)}: refused on ${named.name} expecting ${refusal.expectedVersion}`);
    if (refusal.code === 'WRONG_EXPECTED_VERSION' && refusal.actualVersion === refusal.expectedVersion)
      problems.push(
        `${describeCall(call)}: refused on ${named.name} although it was at ${refusal.actualVersion}`,
      );
  }
  return problems;
}

/** A deletion, with when it ran (a refusal is judged against the deletions that overlapped it). */
export interface DeletionEntry {
  name: string;
  started: number;
  ended: number;
  ok: boolean;
}

/**
 * No refusal on a stream that was provably at the expected version for the whole call: the write
 * of that version answered before the call began, the write of the next one began after the
 * call ended, and no deletion of the stream overlapped the time between.
 */
export function checkRefusalTimes(
  journal: readonly CallEntry[],
  deletions: readonly DeletionEntry[],
): string[] {
  const problems: string[] = [];
  const writes = journal.flatMap((call) =>
    (call.results ?? []).flatMap((result) =>
      result.replayed
        ? []
        : result.events.map((e) => ({ call, id: e.stream.id, inc: e.streamIncarnation, version: e.version })),
    ),
  );
  for (const call of journal) {
    const refusal = call.refusal;
    if (refusal?.code !== 'WRONG_EXPECTED_VERSION' || !refusal.expectedVersion) continue;
    const { streamId, expectedVersion } = refusal;
    for (const at of writes.filter((w) => w.id === streamId && w.version === expectedVersion)) {
      if (at.call.ended >= call.started) continue;
      const moved = writes.some(
        (w) =>
          w.id === streamId &&
          w.inc === at.inc &&
          w.version > expectedVersion &&
          w.call.started <= call.ended,
      );
      const deleted = deletions.some(
        (d) => streamIdForName(d.name) === streamId && d.ended >= at.call.started && d.started <= call.ended,
      );
      if (!moved && !deleted)
        problems.push(
          `${describeCall(call)}: refused (${refusal.message}) while its stream stayed at v${expectedVersion}`,
        );
    }
  }
  return problems;
}

interface StreamEvent {
  inc: number;
  version: number;
  position: number;
}

/** Every acknowledged event of `name`, from the journal's successes (replays left out). */
function acknowledged(journal: readonly CallEntry[], name: string): StreamEvent[] {
  const id = streamIdForName(name);
  return journal.flatMap((call) =>
    (call.results ?? [])
      .filter((result) => !result.replayed && result.stream.id === id)
      .flatMap((result) =>
        result.events.map((e) => ({ inc: e.streamIncarnation, version: e.version, position: e.position })),
      ),
  );
}

/**
 * Each successful condition on `name` against the stream's acknowledged history (every append to
 * it must be journaled): at the call's first position p, the stream's latest incarnation begun
 * before p, at its last version before p, is what the condition must have seen; a condition 0
 * is wrong when that incarnation still took an event after p (so it was live, unmarked, at p),
 * a condition v > 0 is wrong unless that incarnation was at v.
 */
export function checkConditions(journal: readonly CallEntry[], name: string): string[] {
  const problems: string[] = [];
  const history = acknowledged(journal, name);
  for (const call of journal) {
    const condition = (call.request.conditions ?? []).find(
      (c) => (c.stream as { name: string }).name === name,
    );
    const p = call.results?.[0]?.events[0]?.position;
    if (condition === undefined || p === undefined || call.results?.[0]?.replayed) continue;
    const before = history.filter((e) => e.position < p);
    const inc = Math.max(0, ...before.map((e) => e.inc));
    const version = Math.max(0, ...before.filter((e) => e.inc === inc).map((e) => e.version));
    const liveAcross = inc > 0 && history.some((e) => e.inc === inc && e.position > p);
    if (condition.expectedVersion === 0 && liveAcross)
      problems.push(`${describeCall(call)} @${p}: ${name} was live at v${version} (inc ${inc}) across it`);
    if (condition.expectedVersion > 0 && (inc === 0 || version !== condition.expectedVersion))
      problems.push(`${describeCall(call)} @${p}: ${name} was at v${version} (inc ${inc})`);
  }
  return problems;
}

/** How the calls were answered, by outcome, for the figures of a report. */
export function tally(journal: readonly CallEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of journal) {
    const kind =
      call.request.appends.length > 1 || (call.request.conditions?.length ?? 0) > 0 ? 'multi' : 'single';
    const outcome = call.results
      ? call.results[0]?.replayed
        ? 'replayed'
        : 'ok'
      : (call.refusal?.code ?? '?');
    const key = `${kind}:${outcome}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
