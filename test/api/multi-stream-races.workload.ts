/**
 * The load of the multi-stream race test (multi-stream-races.test.ts): workers that send
 * appendToStreams, appendEvents and deleteStream over HTTP to two gateway processes, alternating
 * between them request by request as a load balancer would, and record every request and its
 * answer with the client's clock around it. Each worker keeps its own belief of the pool's
 * versions (from its answers and from occasional reads) and expects what it believes, or
 * deliberately one version less, so that losers are frequent and every loser's expectation is
 * at or behind the truth.
 */
import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import { streamIdForName } from '../../src/store/index.js';
import { AppendToStreamsDocument, type AppendToStreamsMutation } from '../generated/graphql.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { graphqlPost } from '../support/gateway-process.js';
import { seededRandom } from '../support/random.js';

export interface RaceStream {
  name: string;
  category: string | null;
  /** streamIdForName(name): what errors and events name. */
  id: string;
  /** Versioned streams of the pool; the scratch stream is unversioned and deleted now and then. */
  pool: boolean;
}

/** One stream of a call, in input order (appends, then conditions). */
export interface CallPart {
  stream: RaceStream;
  /** null: an unversioned append (the scratch stream). */
  expectedVersion: number | null;
  /** Empty for a condition. */
  eventIds: string[];
  condition: boolean;
}

export interface SentEvent {
  id: string;
  position: number;
  version: number;
  streamId: string;
}

export type Outcome =
  | { kind: 'success'; appends: { streamVersion: number; replayed: boolean; events: SentEvent[] }[] }
  | {
      kind: 'refused';
      typename: string;
      streamId: string | null;
      category: string | null;
      expectedVersion?: number;
      actualVersion?: number;
      /** InvalidInputError's. */
      path?: string[];
      message: string;
    }
  | { kind: 'deleted'; deletedEvents: number }
  /** Not an answer of the API (HTTP or GraphQL error): the call may or may not have committed. */
  | { kind: 'unknown'; detail: string };

export interface CallRecord {
  index: number;
  worker: number;
  gateway: number;
  kind: 'multi' | 'single' | 'delete';
  parts: CallPart[];
  /** The client's clock (performance.now) just before sending and just after the answer. */
  sentAt: number;
  answeredAt: number;
  outcome: Outcome;
  /** The index of the same call (same ids) sent to the other gateway at the same time. */
  twin: number | undefined;
}

export interface Workload {
  gateways: readonly GatewayProcess[];
  key: string;
  pool: readonly RaceStream[];
  scratch: RaceStream;
  workers: number;
  callsPerWorker: number;
  seed: number;
}

export function raceStream(name: string, category: string | null, pool: boolean): RaceStream {
  return { name, category, id: streamIdForName(name), pool };
}

const refOf = (stream: RaceStream) =>
  stream.category === null ? { name: stream.name } : { name: stream.name, category: stream.category };

const appendToStreamsQuery = print(AppendToStreamsDocument);
const appendEventsQuery = `mutation ($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess { replayed stream { version } events { id position version stream { id } } }
    ... on WrongExpectedVersionError { expectedVersion actualVersion streamId category }
    ... on ExpectedVersionRequiredError { streamId category }
    ... on InvalidInputError { path }
    ... on StreamIsUnversionedError { streamId category }
    ... on Error { message }
  }
}`;
const deleteStreamQuery = `mutation ($input: DeleteStreamInput!) {
  deleteStream(input: $input) { __typename ... on DeleteStreamSuccess { deletedEvents } ... on Error { message } }
}`;

type AppendAnswer = AppendToStreamsMutation['appendToStreams'];
type SuccessAppend = {
  replayed: boolean;
  stream: { version: number };
  events: { id: string; position: number; version: number; stream: { id: string } }[];
};

function outcomeOf(
  answer: AppendAnswer | { __typename: string; message?: string },
  appends: SuccessAppend[],
) {
  if (answer.__typename === 'AppendToStreamsSuccess' || answer.__typename === 'AppendEventsSuccess') {
    return {
      kind: 'success' as const,
      appends: appends.map((append) => ({
        streamVersion: append.stream.version,
        replayed: append.replayed,
        events: append.events.map((e) => ({
          id: e.id,
          position: e.position,
          version: e.version,
          streamId: e.stream.id,
        })),
      })),
    };
  }
  const refused = answer as Partial<Record<'streamId' | 'category' | 'message', string | null>> & {
    expectedVersion?: number;
    actualVersion?: number;
    path?: string[] | null;
  };
  return {
    kind: 'refused' as const,
    typename: answer.__typename,
    streamId: refused.streamId ?? null,
    category: refused.category ?? null,
    message: refused.message ?? '',
    ...(refused.expectedVersion === undefined ? {} : { expectedVersion: refused.expectedVersion }),
    ...(refused.actualVersion === undefined ? {} : { actualVersion: refused.actualVersion }),
    ...(refused.path ? { path: refused.path } : {}),
  };
}

/** Sends one call and turns its answer into an Outcome (anything but an API answer: unknown). */
async function send(
  gateway: GatewayProcess,
  key: string,
  kind: CallRecord['kind'],
  parts: CallPart[],
): Promise<Outcome> {
  const eventsOf = (part: CallPart) => part.eventIds.map((id) => ({ id, type: 'Raced', data: { id } }));
  const appendOf = (part: CallPart) => ({
    stream: refOf(part.stream),
    events: eventsOf(part),
    ...(part.expectedVersion === null ? {} : { expectedVersion: part.expectedVersion }),
  });
  const [first] = parts;
  const body =
    kind === 'multi'
      ? {
          query: appendToStreamsQuery,
          variables: {
            input: {
              appends: parts.filter((p) => !p.condition).map(appendOf),
              conditions: parts
                .filter((p) => p.condition)
                .map((p) => ({ stream: refOf(p.stream), expectedVersion: p.expectedVersion })),
            },
          },
        }
      : kind === 'single'
        ? { query: appendEventsQuery, variables: { input: appendOf(first!) } }
        : { query: deleteStreamQuery, variables: { input: { stream: refOf(first!.stream) } } };
  let result: Awaited<ReturnType<typeof graphqlPost>>;
  try {
    result = await graphqlPost(gateway.url, body, { key });
  } catch (error) {
    return { kind: 'unknown', detail: String(error) };
  }
  const data = result.body?.data;
  if (result.status !== 200 || result.body?.errors || !data) {
    return { kind: 'unknown', detail: `HTTP ${result.status}: ${result.text.slice(0, 300)}` };
  }
  if (kind === 'delete') {
    const answer = data.deleteStream as { __typename: string; deletedEvents?: number; message?: string };
    return answer.__typename === 'DeleteStreamSuccess'
      ? { kind: 'deleted', deletedEvents: answer.deletedEvents ?? -1 }
      : { kind: 'refused', typename: answer.__typename, streamId: null, category: null, message: '' };
  }
  if (kind === 'multi') {
    const answer = data.appendToStreams as AppendAnswer;
    return outcomeOf(answer, answer.__typename === 'AppendToStreamsSuccess' ? answer.appends : []);
  }
  const answer = data.appendEvents as { __typename: string } & Partial<SuccessAppend>;
  return outcomeOf(answer, answer.__typename === 'AppendEventsSuccess' ? [answer as SuccessAppend] : []);
}

/** Versions as one worker believes them (never ahead of the truth: they only come from answers). */
class Belief {
  private readonly versions = new Map<string, number>();

  of(stream: RaceStream): number {
    return this.versions.get(stream.id) ?? 0;
  }

  saw(streamId: string, version: number): void {
    this.versions.set(streamId, Math.max(version, this.versions.get(streamId) ?? 0));
  }

  learn(record: CallRecord): void {
    const { outcome, parts } = record;
    if (outcome.kind === 'success') {
      const appends = parts.filter((part) => !part.condition);
      outcome.appends.forEach((append, index) => {
        const stream = appends[index]?.stream;
        if (stream?.pool) this.saw(stream.id, append.streamVersion);
      });
    } else if (
      outcome.kind === 'refused' &&
      outcome.streamId !== null &&
      outcome.actualVersion !== undefined
    ) {
      this.saw(outcome.streamId, outcome.actualVersion);
    }
  }

  /** One query for the whole pool's versions, on `gateway`. */
  async refresh(gateway: GatewayProcess, key: string, pool: readonly RaceStream[]): Promise<void> {
    const fields = pool.map(
      (stream, index) =>
        `s${index}: stream(ref: ${JSON.stringify(refOf(stream)).replace(/"(\w+)":/g, '$1:')}) { version }`,
    );
    const result = await graphqlPost(gateway.url, { query: `{ ${fields.join(' ')} }` }, { key });
    const data = result.body?.data as Record<string, { version: number } | null> | undefined;
    pool.forEach((stream, index) => {
      const read = data?.[`s${index}`];
      if (read) this.saw(stream.id, read.version);
    });
  }
}

/** Fisher–Yates, on the worker's seeded random numbers. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** The parts of one call this worker sends next: a multi-stream call, a single append or a deletion. */
function nextCall(
  random: () => number,
  belief: Belief,
  workload: Workload,
  deletes: boolean,
): { kind: CallRecord['kind']; parts: CallPart[] } {
  const { pool, scratch } = workload;
  if (deletes) {
    return {
      kind: 'delete',
      parts: [{ stream: scratch, expectedVersion: null, eventIds: [], condition: false }],
    };
  }
  // Stale on purpose: one version behind what this worker believes, a sure loser.
  const expect = (stream: RaceStream) =>
    belief.of(stream) > 0 && random() < 0.05 ? belief.of(stream) - 1 : belief.of(stream);
  const ids = () => Array.from({ length: 1 + Math.floor(random() * 2) }, () => randomUUID());
  if (random() < 0.3) {
    const stream = pool[Math.floor(random() * pool.length)]!;
    return {
      kind: 'single',
      parts: [{ stream, expectedVersion: expect(stream), eventIds: ids(), condition: false }],
    };
  }
  const chosen = shuffled(pool, random).slice(0, 2 + Math.floor(random() * 3));
  const appendCount = 1 + Math.floor(random() * (chosen.length - 1));
  const parts: CallPart[] = chosen.map((stream, index) => ({
    stream,
    expectedVersion: expect(stream),
    eventIds: index < appendCount ? ids() : [],
    condition: index >= appendCount,
  }));
  if (random() < 0.2) {
    // An unversioned append to the scratch stream, racing its deletions, somewhere among the appends.
    const at = Math.floor(random() * (appendCount + 1));
    parts.splice(at, 0, { stream: scratch, expectedVersion: null, eventIds: ids(), condition: false });
  }
  return { kind: 'multi', parts };
}

/** Runs every worker to the end; resolves with every call, in no particular order. */
export async function runWorkload(workload: Workload): Promise<CallRecord[]> {
  const records: CallRecord[] = [];
  const worker = async (number: number) => {
    const random = seededRandom(workload.seed + number);
    const belief = new Belief();
    for (let step = 0; step < workload.callsPerWorker; step++) {
      // Alternating, and half the workers start on the other gateway.
      const gatewayIndex = (number + step) % workload.gateways.length;
      const gateway = workload.gateways[gatewayIndex]!;
      // As a client would after a refusal, and now and then anyway: read the versions again.
      const refused = records.findLast((r) => r.worker === number)?.outcome.kind === 'refused';
      if (refused || random() < 0.1) await belief.refresh(gateway, workload.key, workload.pool);
      // One worker deletes the scratch stream every fifth call: deletions of one stream that
      // overlap may count the same events twice, and the figures are clearer with one deleter.
      const { kind, parts } = nextCall(random, belief, workload, number === 0 && step % 5 === 4);
      // Now and then the same call (same ids) goes to both gateways at once, as a client that
      // timed out and retried elsewhere would: one may store it, the other must replay it.
      const twin = kind !== 'delete' && random() < 0.08;
      const targets = twin ? [gatewayIndex, 1 - gatewayIndex] : [gatewayIndex];
      const sent = await Promise.all(
        targets.map(async (target) => {
          const sentAt = performance.now();
          const outcome = await send(workload.gateways[target]!, workload.key, kind, parts);
          return { gateway: target, sentAt, answeredAt: performance.now(), outcome };
        }),
      );
      const first = records.length;
      sent.forEach((answer, index) => {
        const twinIndex = twin ? first + 1 - index : undefined;
        const record: CallRecord = {
          index: first + index,
          worker: number,
          kind,
          parts,
          ...answer,
          twin: twinIndex,
        };
        records.push(record);
        belief.learn(record);
      });
    }
  };
  await Promise.all(Array.from({ length: workload.workers }, (_, number) => worker(number)));
  return records;
}
