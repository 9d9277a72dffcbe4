/**
 * An in-memory model of `append` and `appendToStreams`, written from the rules, not from the
 * store's code: the header of shared/api/parts/multi-stream.graphql, the expected-version rules
 * of appendEvents, and the store's documented conventions for what the contract leaves open
 * (src/store/README.md, "Multi-stream appends" and "Limits of one call": paths, the order of the
 * checks). multi-stream.property.test.ts runs random commands against it and the DynamoDB store.
 *
 * What it leaves out: deletions (no stream here is ever deleted), concurrency, and the limits of
 * size (the commands it is given stay far below them). Every event names its id.
 */

import type { AppendRequest, AppendToStreamsRequest, StreamRef } from '../../src/store/index.js';
import { streamIdForName } from '../../src/store/index.js';

export interface ModelEvent {
  id: string;
  version: number;
  position: number;
}

/** What an append of a successful call answers: its stream after the call, its events. */
export interface ModelAppendResult {
  streamId: string;
  category: string | null;
  streamVersion: number;
  versioned: boolean;
  replayed: boolean;
  events: ModelEvent[];
}

export type ModelError =
  | {
      code: 'WRONG_EXPECTED_VERSION';
      streamId: string;
      category: string | null;
      expectedVersion: number;
      actualVersion: number;
    }
  | { code: 'EXPECTED_VERSION_REQUIRED' | 'STREAM_IS_UNVERSIONED'; streamId: string; category: string | null }
  | { code: 'INVALID_INPUT'; path: string[] };

export type ModelAnswer = { ok: true; appends: ModelAppendResult[] } | { ok: false; error: ModelError };

export interface ModelStream {
  streamId: string;
  category: string | null;
  version: number;
  versioned: boolean;
  events: ModelEvent[];
}

export interface ModelLogEntry {
  position: number;
  streamId: string;
  category: string | null;
  version: number;
  eventId: string;
}

/** A stream as the model keeps it: its events, and the ids of each append that stored some. */
interface Stream extends ModelStream {
  storedAppends: string[][];
}

/** One append or condition of a call, resolved. `expected` null: an unversioned append. */
interface Part {
  streamId: string;
  category: string | null;
  expected: number | null;
  ids: string[];
  condition: boolean;
}

/** Thrown inside the model to end a call with its refusal; never leaves it. */
class Refused extends Error {
  constructor(readonly refusal: ModelError) {
    super(refusal.code);
  }
}

const invalid = (path: readonly (string | number)[]): Refused =>
  new Refused({ code: 'INVALID_INPUT', path: path.map(String) });

/** How one append's ids stand against what is stored (the contract's idempotent retries). */
type IdJudgement =
  | { kind: 'new' }
  | { kind: 'replayed'; result: ModelAppendResult }
  | { kind: 'invalid'; path: (string | number)[] };

export class MultiStreamModel {
  private readonly streams = new Map<string, Stream>();
  /** Which stream holds each stored event id: ids are unique in a tenant. */
  private readonly holders = new Map<string, string>();
  private readonly log: ModelLogEntry[] = [];

  /** The stream's version (0 when it does not exist): what a client would have read. */
  versionOf(ref: StreamRef): number {
    return this.streams.get(keyOf(resolve(ref)))?.version ?? 0;
  }

  isVersioned(ref: StreamRef): boolean {
    return this.streams.get(keyOf(resolve(ref)))?.versioned ?? false;
  }

  stream(ref: StreamRef): ModelStream | null {
    const stream = this.streams.get(keyOf(resolve(ref)));
    if (stream === undefined) return null;
    const { storedAppends: _, ...shown } = stream;
    return { ...shown, events: [...shown.events] };
  }

  logEntries(): ModelLogEntry[] {
    return [...this.log];
  }

  headPosition(): number {
    return this.log.length;
  }

  /** appendEvents: a call of one append, whose refusals' paths are the append's own. */
  append(request: AppendRequest): ModelAnswer {
    return answer(() => {
      const part = appendPart(request, []);
      const [result] = this.decide([part], [], () => []);
      return result === undefined ? [] : [result];
    });
  }

  appendToStreams(request: AppendToStreamsRequest): ModelAnswer {
    return answer(() => {
      const appends = request.appends;
      const conditions = request.conditions ?? [];
      if (appends.length === 0) throw invalid(['appends']);
      // The store's documented limit: 10 streams a call (the contract's minimum).
      if (appends.length + conditions.length > 10) throw invalid(['appends']);
      const parts = [
        ...appends.map((append, index) => appendPart(append, ['appends', index])),
        ...conditions.map(
          (condition): Part => ({
            ...resolve(condition.stream),
            expected: condition.expectedVersion,
            ids: [],
            condition: true,
          }),
        ),
      ];
      checkEachStreamOnce(parts, appends.length);
      checkEachIdOnce(parts);
      return this.decide(
        parts.filter((part) => !part.condition),
        parts.filter((part) => part.condition),
        (index) => ['appends', index],
      );
    });
  }

  /**
   * The ids decide first: when any id of the call is stored, the call is a retry (every append
   * replays one stored to its stream) or invalid; otherwise the streams are checked in input
   * order, appends before conditions, and the first that fails names the refusal.
   */
  private decide(
    appends: Part[],
    conditions: Part[],
    pathOf: (append: number) => (string | number)[],
  ): ModelAppendResult[] {
    const judged = appends.map((part) => this.judgeIds(part));
    if (judged.some((judgement) => judgement.kind !== 'new')) return combineRetries(judged, pathOf);
    for (const part of appends) this.checkAppendVersion(part);
    for (const part of conditions) this.checkCondition(part);
    return this.store(appends);
  }

  private judgeIds(part: Part): IdJudgement {
    const holders = part.ids.map((id) => this.holders.get(id));
    if (holders.every((holder) => holder === undefined)) return { kind: 'new' };
    const key = keyOf(part);
    const taken = holders.findIndex((holder) => holder !== undefined && holder !== key);
    if (taken >= 0) return { kind: 'invalid', path: ['events', taken, 'id'] };
    const stream = this.streams.get(key)!;
    const index = stream.storedAppends.findIndex((ids) => sameIds(ids, part.ids));
    const stored = stream.storedAppends[index];
    if (stored === undefined) {
      // Stored and new ids mixed, or stored ids not as exactly one earlier append.
      return { kind: 'invalid', path: ['events', holders.findIndex((holder) => holder !== undefined), 'id'] };
    }
    const events = stream.events.filter((event) => stored.includes(event.id));
    return { kind: 'replayed', result: { ...resultOf(stream, events), replayed: true } };
  }

  /** appendEvents' rule: a stream is versioned when its first append gave an expected version. */
  private checkAppendVersion(part: Part): void {
    const stream = this.streams.get(keyOf(part));
    const named = { streamId: part.streamId, category: part.category };
    const wrong = (actualVersion: number) =>
      new Refused({
        code: 'WRONG_EXPECTED_VERSION',
        ...named,
        expectedVersion: part.expected!,
        actualVersion,
      });
    if (part.expected === null) {
      if (stream?.versioned) throw new Refused({ code: 'EXPECTED_VERSION_REQUIRED', ...named });
      return;
    }
    if (stream === undefined) {
      if (part.expected !== 0) throw wrong(0);
      return;
    }
    // 0 means "must not exist", whatever kind of stream is there.
    if (part.expected === 0) throw wrong(stream.version);
    if (!stream.versioned) throw new Refused({ code: 'STREAM_IS_UNVERSIONED', ...named });
    if (stream.version !== part.expected) throw wrong(stream.version);
  }

  /** A condition reads only the version (0: must not exist), of a versioned stream or not. */
  private checkCondition(part: Part): void {
    const actualVersion = this.streams.get(keyOf(part))?.version ?? 0;
    if (actualVersion === part.expected) return;
    throw new Refused({
      code: 'WRONG_EXPECTED_VERSION',
      streamId: part.streamId,
      category: part.category,
      expectedVersion: part.expected!,
      actualVersion,
    });
  }

  /** Every event of every append, at consecutive positions in the order of the appends. */
  private store(appends: Part[]): ModelAppendResult[] {
    return appends.map((part) => {
      const key = keyOf(part);
      const stream = this.streams.get(key) ?? {
        streamId: part.streamId,
        category: part.category,
        version: 0,
        versioned: part.expected !== null,
        events: [],
        storedAppends: [],
      };
      this.streams.set(key, stream);
      const events = part.ids.map((id): ModelEvent => {
        stream.version += 1;
        const event = { id, version: stream.version, position: this.log.length + 1 };
        this.log.push({
          position: event.position,
          streamId: part.streamId,
          category: part.category,
          version: event.version,
          eventId: id,
        });
        this.holders.set(id, key);
        return event;
      });
      stream.events.push(...events);
      stream.storedAppends.push([...part.ids]);
      return { ...resultOf(stream, events), replayed: false };
    });
  }
}

/**
 * Every append a retry: the stored events, whatever the call's versions and conditions say. An
 * invalid append (ids of another stream, or a mix) refuses the call, the first one by index;
 * some appends retried and others new refuses it on the first new one.
 */
function combineRetries(
  judged: IdJudgement[],
  pathOf: (append: number) => (string | number)[],
): ModelAppendResult[] {
  const firstInvalid = judged.findIndex((judgement) => judgement.kind === 'invalid');
  const invalidOne = judged[firstInvalid];
  if (invalidOne?.kind === 'invalid') throw invalid([...pathOf(firstInvalid), ...invalidOne.path]);
  const firstNew = judged.findIndex((judgement) => judgement.kind === 'new');
  if (firstNew >= 0) throw invalid(pathOf(firstNew));
  return judged.flatMap((judgement) => (judgement.kind === 'replayed' ? [judgement.result] : []));
}

function answer(run: () => ModelAppendResult[]): ModelAnswer {
  try {
    return { ok: true, appends: run() };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, error: error.refusal };
    throw error;
  }
}

function resolve(ref: StreamRef): { streamId: string; category: string | null } {
  const streamId = ref.id ?? streamIdForName(ref.name ?? '');
  return { streamId: streamId.toLowerCase(), category: ref.category ?? null };
}

function keyOf(stream: { streamId: string; category: string | null }): string {
  return JSON.stringify([stream.category, stream.streamId]);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}

function resultOf(stream: Stream, events: ModelEvent[]): Omit<ModelAppendResult, 'replayed'> {
  return {
    streamId: stream.streamId,
    category: stream.category,
    streamVersion: stream.version,
    versioned: stream.versioned,
    events: events.map((event) => ({ ...event })),
  };
}

/** An append's own checks: at least one event, each id once in it. */
function appendPart(request: AppendRequest, path: (string | number)[]): Part {
  if (request.events.length === 0) throw invalid([...path, 'events']);
  const ids = request.events.map((event) => (event.id ?? '').toLowerCase());
  const repeated = ids.findIndex((id, index) => ids.indexOf(id) !== index);
  if (repeated >= 0) throw invalid([...path, 'events', repeated, 'id']);
  return { ...resolve(request.stream), expected: request.expectedVersion ?? null, ids, condition: false };
}

/** A stream once across appends and conditions: the first repeat is named. */
function checkEachStreamOnce(parts: Part[], appends: number): void {
  const seen = new Set<string>();
  for (const [index, part] of parts.entries()) {
    const key = keyOf(part);
    if (seen.has(key)) {
      throw invalid(
        index < appends ? ['appends', index, 'stream'] : ['conditions', index - appends, 'stream'],
      );
    }
    seen.add(key);
  }
}

/** An event id once in a call (each append's own repeats were refused before). */
function checkEachIdOnce(parts: Part[]): void {
  const seen = new Set<string>();
  for (const [index, part] of parts.entries()) {
    for (const [eventIndex, id] of part.ids.entries()) {
      if (seen.has(id)) throw invalid(['appends', index, 'events', eventIndex, 'id']);
      seen.add(id);
    }
  }
}
