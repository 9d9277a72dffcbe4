// Issue 16's property: random mixes of single appends, appendToStreams calls, conditions and
// idempotent retries, sent one after another to the DynamoDB store and to an in-memory model of
// the contract's rules (multi-stream-model.ts). Every answer (success or error type, the stream
// it names, versions, positions, replayed) and, at the end, every stream, the log and its head
// must be the model's. Concurrency is another test's (multi-stream.test.ts, the race test).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type AppendRequest,
  type AppendResult,
  type AppendToStreamsRequest,
  type EventStore,
  ExpectedVersionRequiredError,
  InvalidInputError,
  StreamIsUnversionedError,
  type StreamRef,
  streamIdForName,
  type TenantEventStore,
  WrongExpectedVersionError,
} from '../../src/store/index.js';
import { createTestStore, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import {
  type ModelAnswer,
  type ModelAppendResult,
  type ModelError,
  type ModelEvent,
  type ModelStream,
  MultiStreamModel,
} from './multi-stream-model.js';

// ---------------------------------------------------------------------------------------------
// The universe: five streams, two of them sharing an id in two categories (two streams).

const universe: readonly { name: string; category: string | null }[] = [
  { name: 'orders', category: null },
  { name: 'alice', category: 'account' },
  { name: 'bob', category: 'account' },
  { name: 'alice', category: 'audit' },
  { name: 'ledger', category: 'audit' },
];

function refOf(stream: number, byId = false): StreamRef {
  const { name, category } = universe[stream % universe.length]!;
  return byId ? { id: streamIdForName(name), category } : { name, category };
}

// A few ids reused by many commands (taken, mixed, replayed), and fresh ones. Readable in a
// counterexample: p<k> for the pool, f<n> for fresh ones.
const poolSize = 4;
const poolId = (index: number) => `0000000a-0000-4000-8000-${String(index).padStart(12, '0')}`;
const freshId = (index: number) => `0000000f-0000-4000-8000-${String(index).padStart(12, '0')}`;

// ---------------------------------------------------------------------------------------------
// Commands: symbolic, made concrete against the model's state when they run.

/**
 * 'fitting': what a client that read the stream sends (its version when versioned, none when
 * not; a new stream: 0 for odd streams, none for even ones); the others on purpose.
 */
type ExpectedChoice = 'fitting' | 'none' | 'zero' | 'stale' | 'ahead';
type IdChoice = number | 'fresh';

interface AppendSpec {
  stream: number;
  byId: boolean;
  expected: ExpectedChoice;
  ids: IdChoice[];
}

interface ConditionSpec {
  stream: number;
  expected: 'right' | 'zero' | 'off';
}

type RetryVariant = 'same' | 'one-alone' | 'plus-new' | 'failing-condition';

type Command =
  | { kind: 'append'; append: AppendSpec }
  | { kind: 'call'; appends: AppendSpec[]; conditions: ConditionSpec[] }
  /** An earlier request (picked by `of`), sent again as it was or changed by `variant`. */
  | { kind: 'retry'; of: number; variant: RetryVariant };

const weighted = <T>(...choices: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })));

const idChoice: fc.Arbitrary<IdChoice> = weighted<IdChoice>(
  [4, fc.constant('fresh' as const)],
  [1, fc.nat({ max: poolSize - 1 })],
);

const appendSpec: fc.Arbitrary<AppendSpec> = fc.record({
  stream: fc.nat({ max: universe.length - 1 }),
  byId: weighted([5, fc.constant(false)], [1, fc.constant(true)]),
  expected: weighted<ExpectedChoice>(
    [6, fc.constant('fitting')],
    [1, fc.constantFrom<ExpectedChoice>('none', 'zero', 'stale', 'ahead')],
  ),
  // Now and then an append of no events.
  ids: weighted([40, fc.array(idChoice, { minLength: 1, maxLength: 3 })], [1, fc.constant([])]),
});

const conditionSpec: fc.Arbitrary<ConditionSpec> = fc.record({
  stream: fc.nat({ max: universe.length - 1 }),
  expected: weighted<ConditionSpec['expected']>(
    [3, fc.constant('right')],
    [1, fc.constantFrom<ConditionSpec['expected']>('zero', 'off')],
  ),
});

type CallShape = 'distinct' | 'duplicates' | 'no-appends' | 'too-wide';

const callCommand: fc.Arbitrary<Command> = fc
  .record({
    appends: fc.array(appendSpec, { minLength: 1, maxLength: 3 }),
    conditions: fc.array(conditionSpec, { maxLength: 2 }),
    shape: weighted<CallShape>(
      [20, fc.constant('distinct')],
      [2, fc.constant('duplicates')],
      [1, fc.constantFrom<CallShape>('no-appends', 'too-wide')],
    ),
  })
  .map(({ appends, conditions, shape }) => shapeCall(appends, conditions, shape));

/** Most calls name each stream once; a few repeat one, have no appends, or touch 11 streams. */
function shapeCall(appends: AppendSpec[], conditions: ConditionSpec[], shape: CallShape): Command {
  if (shape === 'no-appends') return { kind: 'call', appends: [], conditions };
  if (shape === 'duplicates') {
    const repeated: ConditionSpec = { stream: appends[0]!.stream, expected: 'right' };
    return { kind: 'call', appends, conditions: [...conditions, repeated] };
  }
  if (shape === 'too-wide') {
    const padding = Array.from({ length: 11 - appends.length }, (_, index) => ({
      stream: index,
      expected: 'right' as const,
    }));
    return { kind: 'call', appends, conditions: padding };
  }
  const seen = new Set<number>();
  const once = <T extends { stream: number }>(part: T) => !seen.has(part.stream) && !!seen.add(part.stream);
  return { kind: 'call', appends: appends.filter(once), conditions: conditions.filter(once) };
}

const command: fc.Arbitrary<Command> = weighted<Command>(
  [3, fc.record({ kind: fc.constant('append' as const), append: appendSpec })],
  [4, callCommand],
  [
    3,
    fc.record({
      kind: fc.constant('retry' as const),
      of: fc.nat({ max: 14 }),
      variant: weighted<RetryVariant>(
        [3, fc.constant('same')],
        [1, fc.constant('one-alone')],
        [1, fc.constant('plus-new')],
        [1, fc.constant('failing-condition')],
      ),
    }),
  ],
);

const commands = fc.array(command, { minLength: 5, maxLength: 15 });

// ---------------------------------------------------------------------------------------------
// Concrete requests

type Sent =
  | { method: 'append'; request: AppendRequest }
  | { method: 'appendToStreams'; request: AppendToStreamsRequest };

/** One run's state beside the model: fresh ids handed out, requests sent. */
class Run {
  readonly model = new MultiStreamModel();
  readonly sent: Sent[] = [];
  private fresh = 0;

  newId(): string {
    this.fresh += 1;
    return freshId(this.fresh);
  }

  /** The request a command stands for now; null for a retry with nothing sent before it. */
  requestFor(cmd: Command): Sent | null {
    switch (cmd.kind) {
      case 'append':
        return { method: 'append', request: this.append(cmd.append) };
      case 'call':
        return {
          method: 'appendToStreams',
          request: {
            appends: cmd.appends.map((spec) => this.append(spec)),
            conditions: cmd.conditions.map((spec) => this.condition(spec)),
          },
        };
      case 'retry': {
        const earlier = this.sent[cmd.of % Math.max(1, this.sent.length)];
        return earlier === undefined ? null : this.retry(earlier, cmd);
      }
    }
  }

  private append(spec: AppendSpec): AppendRequest {
    const stream = refOf(spec.stream, spec.byId);
    const expectedVersion = this.expected(spec.stream, spec.expected);
    return {
      stream,
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
      events: spec.ids.map((choice) => {
        const id = choice === 'fresh' ? this.newId() : poolId(choice);
        return { id, type: 'Happened', data: { id } };
      }),
    };
  }

  private expected(stream: number, choice: ExpectedChoice): number | undefined {
    const version = this.model.versionOf(refOf(stream));
    switch (choice) {
      case 'fitting':
        if (version === 0) return stream % 2 === 1 ? 0 : undefined;
        return this.model.isVersioned(refOf(stream)) ? version : undefined;
      case 'none':
        return undefined;
      case 'zero':
        return 0;
      case 'stale':
        return version > 0 ? version - 1 : 1;
      case 'ahead':
        return version + 1;
    }
  }

  private condition(spec: ConditionSpec) {
    const version = this.model.versionOf(refOf(spec.stream));
    const expectedVersion = { right: version, zero: 0, off: version + 1 }[spec.expected];
    return { stream: refOf(spec.stream), expectedVersion };
  }

  private retry(earlier: Sent, cmd: Extract<Command, { kind: 'retry' }>): Sent {
    const appends = earlier.method === 'append' ? [earlier.request] : earlier.request.appends;
    const conditions = earlier.method === 'append' ? [] : (earlier.request.conditions ?? []);
    const used = new Set([...appends, ...conditions].map((part) => streamIdentity(part.stream)));
    const unused = [...universe.keys()].find((index) => !used.has(streamIdentity(refOf(index))));
    switch (cmd.variant) {
      case 'same':
        return earlier;
      case 'one-alone': {
        // A single append retried in a call of its own, or one append of a call retried alone.
        const one = appends[cmd.of % Math.max(1, appends.length)];
        if (one === undefined) return earlier;
        return earlier.method === 'append'
          ? { method: 'appendToStreams', request: { appends: [one] } }
          : { method: 'append', request: one };
      }
      case 'plus-new': {
        if (unused === undefined) return earlier;
        const added = this.append({ stream: unused, byId: false, expected: 'fitting', ids: ['fresh'] });
        return { method: 'appendToStreams', request: { appends: [...appends, added], conditions } };
      }
      case 'failing-condition': {
        if (unused === undefined) return earlier;
        const failing = { stream: refOf(unused), expectedVersion: this.model.versionOf(refOf(unused)) + 1 };
        return { method: 'appendToStreams', request: { appends: [...appends], conditions: [failing] } };
      }
    }
  }
}

function streamIdentity(ref: StreamRef): string {
  return JSON.stringify([ref.category ?? null, ref.id ?? streamIdForName(ref.name ?? '')]);
}

// ---------------------------------------------------------------------------------------------
// The store's answers, in the model's shape

function shapeOfResult(result: AppendResult): ModelAppendResult {
  return {
    streamId: result.stream.id,
    category: result.stream.category,
    streamVersion: result.stream.version,
    versioned: result.stream.versioned,
    replayed: result.replayed,
    events: result.events.map(eventShape),
  };
}

function eventShape(event: { id: string; version: number; position: number }): ModelEvent {
  return { id: event.id, version: event.version, position: event.position };
}

/** An error the model knows, in its shape; anything else (unavailable, a bug) fails the run. */
function shapeOfError(error: unknown): ModelError {
  if (error instanceof WrongExpectedVersionError) {
    const { code, expectedVersion, actualVersion } = error;
    return { code, ...namedStream(error), expectedVersion, actualVersion };
  }
  if (error instanceof ExpectedVersionRequiredError || error instanceof StreamIsUnversionedError) {
    return { code: error.code, ...namedStream(error) };
  }
  if (error instanceof InvalidInputError) return { code: error.code, path: error.path };
  throw error;
}

function namedStream(error: { streamId: string | undefined; category: string | null | undefined }) {
  return { streamId: error.streamId ?? '(none)', category: error.category ?? null };
}

async function sendToStore(tenant: TenantEventStore, sent: Sent): Promise<ModelAnswer> {
  try {
    if (sent.method === 'append')
      return { ok: true, appends: [shapeOfResult(await tenant.append(sent.request))] };
    const result = await tenant.appendToStreams(sent.request);
    return { ok: true, appends: result.appends.map(shapeOfResult) };
  } catch (error) {
    return { ok: false, error: shapeOfError(error) };
  }
}

function sendToModel(model: MultiStreamModel, sent: Sent): ModelAnswer {
  return sent.method === 'append' ? model.append(sent.request) : model.appendToStreams(sent.request);
}

// ---------------------------------------------------------------------------------------------
// Readable histories for a counterexample

function idLabel(id: string | null | undefined): string {
  const [prefix, , , , serial] = (id ?? '').split('-');
  const n = Number(serial);
  return prefix === '0000000a' ? `p${n}` : prefix === '0000000f' ? `f${n}` : String(id);
}

function streamLabel(ref: StreamRef): string {
  const named = universe.find((stream) => streamIdentity(stream) === streamIdentity(ref));
  const label = named ? `${named.category ?? '-'}/${named.name}` : JSON.stringify(ref);
  return ref.name ? label : `${label}(by id)`;
}

function describeAppend(append: AppendRequest): string {
  const expected = append.expectedVersion ?? '-';
  return `${streamLabel(append.stream)}@${expected} [${append.events.map((event) => idLabel(event.id)).join(',')}]`;
}

function describeSent(sent: Sent): string {
  if (sent.method === 'append') return `append ${describeAppend(sent.request)}`;
  const conditions = (sent.request.conditions ?? []).map(
    (condition) => `${streamLabel(condition.stream)}==${condition.expectedVersion}`,
  );
  return `appendToStreams {${sent.request.appends.map(describeAppend).join('; ')}}${conditions.length ? ` if ${conditions.join(', ')}` : ''}`;
}

function describeAnswer(answer: ModelAnswer): string {
  if (!answer.ok) {
    const { code, ...rest } = answer.error;
    const fields =
      'streamId' in rest
        ? { ...rest, streamId: streamLabel({ id: rest.streamId, category: rest.category }) }
        : rest;
    return `${code} ${JSON.stringify(fields)}`;
  }
  return answer.appends
    .map(
      (append) =>
        `${append.replayed ? 'replayed' : 'ok'} v${append.streamVersion}${append.versioned ? '' : '(unversioned)'} ` +
        append.events.map((event) => `${idLabel(event.id)}:v${event.version}@${event.position}`).join(','),
    )
    .join(' | ');
}

// ---------------------------------------------------------------------------------------------
// The property

const stats = {
  runs: 0,
  commands: 0,
  appendCalls: 0,
  appendToStreamsCalls: 0,
  /** Calls that stored events; of them, those with conditions, and those past a condition on an unversioned stream. */
  stored: 0,
  storedWithConditions: 0,
  storedPastUnversionedCondition: 0,
  /** Calls answered with stored events only; of them, appendToStreams calls with conditions. */
  replayed: 0,
  replayedWithConditions: 0,
  /** By code; a version refusal on a condition apart, an invalid input by the shape of its path. */
  refused: {} as Record<string, number>,
};

function tally(sent: Sent, answer: ModelAnswer, model: MultiStreamModel): void {
  stats.commands += 1;
  if (sent.method === 'append') stats.appendCalls += 1;
  else stats.appendToStreamsCalls += 1;
  const conditions = sent.method === 'append' ? [] : (sent.request.conditions ?? []);
  if (answer.ok) {
    const replayed = answer.appends.every((append) => append.replayed);
    if (replayed) stats.replayed += 1;
    else stats.stored += 1;
    if (replayed && conditions.length > 0) stats.replayedWithConditions += 1;
    if (!replayed && conditions.length > 0) stats.storedWithConditions += 1;
    const unversioned = conditions.some(
      (condition) => condition.expectedVersion > 0 && !model.isVersioned(condition.stream),
    );
    if (!replayed && unversioned) stats.storedPastUnversionedCondition += 1;
    return;
  }
  const { error } = answer;
  let kind: string = error.code;
  if (error.code === 'INVALID_INPUT') {
    kind = `INVALID_INPUT ${error.path.map((step) => (/^\d+$/.test(step) ? 'i' : step)).join('.')}`;
  } else if (
    conditions.some(
      (condition) =>
        streamIdentity(condition.stream) === streamIdentity({ id: error.streamId, category: error.category }),
    )
  ) {
    kind = `${error.code} on a condition`;
  }
  stats.refused[kind] = (stats.refused[kind] ?? 0) + 1;
}

/** Each universe stream, the log and its head as the store holds them, in the model's shape. */
async function storedState(tenant: TenantEventStore) {
  const streams = await Promise.all(
    universe.map(async (_, index): Promise<ModelStream | null> => {
      const info = await tenant.getStream(refOf(index));
      if (info === null) return null;
      const page = await tenant.readStream(refOf(index), { first: 1000 });
      const { id: streamId, category, version, versioned } = info;
      return {
        streamId,
        category,
        version,
        versioned,
        events: page.edges.map((edge) => eventShape(edge.node)),
      };
    }),
  );
  const log = await tenant.readLog({ first: 1000 });
  return {
    streams,
    log: log.edges.map(({ node }) => ({
      position: node.position,
      streamId: node.stream.id,
      category: node.stream.category,
      version: node.version,
      eventId: node.id,
    })),
    head: await tenant.headPosition(),
  };
}

function modelState(model: MultiStreamModel) {
  return {
    streams: universe.map((_, index) => model.stream(refOf(index))),
    log: model.logEntries(),
    head: model.headPosition(),
  };
}

let store: EventStore;

beforeAll(async () => {
  store = (await createTestStore(uniquePrefix('msprop'))).store;
});

async function runCommands(plan: Command[]): Promise<void> {
  const tenant = store.forTenant(uniqueTenant('msprop'));
  const run = new Run();
  const history: string[] = [];
  for (const [index, cmd] of plan.entries()) {
    const sent = run.requestFor(cmd);
    if (sent === null) continue;
    run.sent.push(sent);
    const fromStore = await sendToStore(tenant, sent);
    const fromModel = sendToModel(run.model, sent);
    history.push(`#${index} ${describeSent(sent)}\n     -> ${describeAnswer(fromModel)}`);
    if (!isDeepStrictEqual(fromStore, fromModel)) {
      throw new Error(
        `The store's answer to #${index} is not the model's.\n  store: ${describeAnswer(fromStore)}\n  model: ${describeAnswer(fromModel)}\nHistory (model answers):\n${history.join('\n')}`,
      );
    }
    tally(sent, fromModel, run.model);
  }
  const [stored, expected] = [await storedState(tenant), modelState(run.model)];
  if (!isDeepStrictEqual(stored, expected)) {
    throw new Error(
      `The final state is not the model's.\n  store: ${JSON.stringify(stored)}\n  model: ${JSON.stringify(expected)}\nHistory:\n${history.join('\n')}`,
    );
  }
  stats.runs += 1;
}

// 60 runs of 5-15 commands take 15-30 s here (2 shared cores); all 60 always run, so the checks
// below never depend on the machine's speed. A failure has 120 s of its own to shrink. For a
// longer search: MULTI_STREAM_PROPERTY_RUNS=1000, bounded if wished by MULTI_STREAM_PROPERTY_SECONDS=600.
const numRuns = Number(process.env.MULTI_STREAM_PROPERTY_RUNS ?? 60);
const timeLimit = process.env.MULTI_STREAM_PROPERTY_SECONDS
  ? Number(process.env.MULTI_STREAM_PROPERTY_SECONDS) * 1000
  : Number.POSITIVE_INFINITY;
const shrinkTimeLimit = 120_000;
const runsPerBatch = 5;

/**
 * fc.assert in batches until `numRuns` (or the time limit, when one is set): fast-check's own time limit would cut a
 * failure's shrinking short too (it covers the whole assertion), and a counterexample that is
 * not shrunk hides the cause in noise. Each batch has its own seed, printed on failure.
 */
async function assertInBatches(property: fc.IAsyncProperty<[Command[]]>): Promise<void> {
  const deadline = performance.now() + timeLimit;
  for (let done = 0; done < numRuns && performance.now() < deadline; done += runsPerBatch) {
    await fc.assert(property, {
      numRuns: Math.min(runsPerBatch, numRuns - done),
      interruptAfterTimeLimit: shrinkTimeLimit,
    });
  }
}

describe('appendToStreams and append against a model of the rules', () => {
  test(
    'random single and multi-stream appends, conditions and retries: every answer and the final state are the model’s',
    async () => {
      await assertInBatches(fc.asyncProperty(commands, runCommands));
      console.log(`multi-stream property: ${JSON.stringify(stats)}`);
      // Not a vacuous run: stores, replays and each kind of refusal happened.
      expect(stats.runs).toBeGreaterThan(0);
      expect(stats.stored).toBeGreaterThan(0);
      expect(stats.replayed).toBeGreaterThan(0);
      expect(stats.storedWithConditions).toBeGreaterThan(0);
      expect(stats.refused.WRONG_EXPECTED_VERSION).toBeGreaterThan(0);
      expect(stats.refused['WRONG_EXPECTED_VERSION on a condition']).toBeGreaterThan(0);
      expect(stats.refused['INVALID_INPUT appends.i']).toBeGreaterThan(0);
    },
    Math.min(timeLimit, 240_000) + shrinkTimeLimit + 30_000,
  );
});

describe('the model itself, against answers worked out by hand from the contract header', () => {
  test('stores, replays whatever the conditions, refuses mixes, taken ids, moved and repeated streams', () => {
    const model = new MultiStreamModel();
    const [a, b, c] = [refOf(1), refOf(2), refOf(4)];
    const ids = Array.from({ length: 8 }, (_, index) => freshId(index));
    const events = (...which: number[]) => which.map((index) => ({ id: ids[index]!, type: 'T', data: {} }));
    const named = (ref: StreamRef) => ({
      streamId: streamIdForName(ref.name!),
      category: ref.category ?? null,
    });
    const ok = (
      ref: StreamRef,
      streamVersion: number,
      versioned: boolean,
      replayed: boolean,
      ...stored: number[][]
    ) => ({
      ...named(ref),
      streamVersion,
      versioned,
      replayed,
      events: stored.map(([id, version, position]) => ({
        id: ids[id!]!,
        version: version!,
        position: position!,
      })),
    });
    const invalid = (...path: (string | number)[]): ModelAnswer => ({
      ok: false,
      error: { code: 'INVALID_INPUT', path: path.map(String) },
    });
    const first: AppendToStreamsRequest = {
      appends: [
        { stream: a, expectedVersion: 0, events: events(1, 2) },
        { stream: b, events: events(3) },
      ],
      conditions: [{ stream: c, expectedVersion: 0 }],
    };
    const stored = [ok(a, 2, true, false, [1, 1, 1], [2, 2, 2]), ok(b, 1, false, false, [3, 1, 3])];
    expect(model.appendToStreams(first)).toEqual({ ok: true, appends: stored });
    // The same call again, its condition failing now: replayed.
    expect(model.appendToStreams({ ...first, conditions: [{ stream: c, expectedVersion: 5 }] })).toEqual({
      ok: true,
      appends: stored.map((append) => ({ ...append, replayed: true })),
    });
    // One append retried, one new; an id of a's stored in b; a stored id with a new one.
    expect(
      model.appendToStreams({
        appends: [
          { stream: a, expectedVersion: 2, events: events(1, 2) },
          { stream: c, expectedVersion: 0, events: events(4) },
        ],
      }),
    ).toEqual(invalid('appends', 1));
    expect(model.append({ stream: b, events: events(4, 1) })).toEqual(invalid('events', 1, 'id'));
    expect(
      model.appendToStreams({ appends: [{ stream: a, expectedVersion: 2, events: events(2, 4) }] }),
    ).toEqual(invalid('appends', 0, 'events', 0, 'id'));
    // A condition on a moved stream, a stream twice, the first failing stream named.
    const toB = { stream: b, events: events(5) };
    expect(
      model.appendToStreams({ appends: [toB], conditions: [{ stream: a, expectedVersion: 1 }] }),
    ).toEqual({
      ok: false,
      error: { code: 'WRONG_EXPECTED_VERSION', ...named(a), expectedVersion: 1, actualVersion: 2 },
    });
    expect(
      model.appendToStreams({ appends: [toB], conditions: [{ stream: b, expectedVersion: 1 }] }),
    ).toEqual(invalid('conditions', 0, 'stream'));
    expect(
      model.appendToStreams({
        appends: [
          { stream: b, expectedVersion: 1, events: events(6) },
          { stream: a, events: events(7) },
        ],
      }),
    ).toEqual({ ok: false, error: { code: 'STREAM_IS_UNVERSIONED', ...named(b) } });
    // b is unversioned: a condition on it reads only its version.
    expect(
      model.appendToStreams({
        appends: [{ stream: a, expectedVersion: 2, events: events(5) }],
        conditions: [{ stream: b, expectedVersion: 1 }],
      }),
    ).toEqual({
      ok: true,
      appends: [ok(a, 3, true, false, [5, 3, 4])],
    });
    expect(model.headPosition()).toBe(4);
    expect(model.stream(b)?.events.map((event) => event.id)).toEqual([ids[3]]);
  });
});
