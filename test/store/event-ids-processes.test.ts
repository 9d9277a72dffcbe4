/**
 * Event ids are unique within a tenant across gateway processes: two `src/main.ts` processes on
 * one DynamoDB table race, through GraphQL, (a) appends of one new id to two streams, (b) the
 * deletion of the stream holding an id against an append reusing it, and (c) an idempotent
 * retry against the same ids sent to another stream. Each answer must be one the contract
 * allows, and the whole history afterwards must hold every id at most once, each claimed by the
 * stream holding it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventsTableName } from '../../src/store/index.js';
import { streamPk } from '../../src/store/keys.js';
import { streamIdForName } from '../../src/store/stream-id.js';
import { scanClaims } from '../support/claims.js';
import { testClient, uniquePrefix } from '../support/dynamo.js';
import {
  type GatewayProcess,
  graphqlPost,
  killGatewayProcesses,
  startGatewayProcess,
} from '../support/gateway-process.js';

const key = 'event-ids-processes-key-0123456789';
const tenant = 'ids';
const prefix = uniquePrefix('ids');
const rounds = 10;
let gateways: GatewayProcess[] = [];

beforeAll(async () => {
  const env = { EVENTLOOM_API_KEYS: `${key}=${tenant}` };
  gateways = await Promise.all([0, 1].map(() => startGatewayProcess({ env, tablePrefix: prefix })));
}, 120_000);
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  killGatewayProcesses();
});

const appendMutation = `mutation ($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess { replayed events { id position } }
    ... on InvalidInputError { path }
    ... on Error { message }
  }
}`;
const deleteMutation = `mutation ($input: DeleteStreamInput!) {
  deleteStream(input: $input) { __typename ... on Error { message } }
}`;

interface Answer {
  __typename: string;
  replayed?: boolean;
  events?: { id: string; position: number }[];
  path?: string[];
}

async function append(gateway: GatewayProcess, stream: string, ids: string[]): Promise<Answer> {
  const events = ids.map((id) => ({ id, type: 'Raced', data: { stream } }));
  const result = await graphqlPost(
    gateway.url,
    { query: appendMutation, variables: { input: { stream: { name: stream }, events } } },
    { key },
  );
  expect(result.status, result.text).toBe(200);
  return result.body?.data?.appendEvents as Answer;
}

async function deleteStream(gateway: GatewayProcess, stream: string): Promise<string> {
  const result = await graphqlPost(
    gateway.url,
    { query: deleteMutation, variables: { input: { stream: { name: stream } } } },
    { key },
  );
  const answer = result.body?.data?.deleteStream as { __typename: string } | undefined;
  return answer?.__typename ?? result.text;
}

const taken = {
  message: expect.stringContaining('unique within a tenant'),
  __typename: 'InvalidInputError',
  path: ['input', 'events', '0', 'id'],
};

/** The tenant's whole log as GraphQL reads it: position and id of each live event. */
async function readLog(gateway: GatewayProcess): Promise<{ id: string; position: number; stream: string }[]> {
  const query = `query ($after: Position) { events(after: $after, first: 1000) {
    edges { node { id position stream { name } } } lastPosition } }`;
  const events: { id: string; position: number; stream: string }[] = [];
  for (let after = 0; ; ) {
    const result = await graphqlPost(gateway.url, { query, variables: { after } }, { key });
    const page = result.body?.data?.events as {
      edges: { node: { id: string; position: number; stream: { name: string } } }[];
      lastPosition: number;
    };
    events.push(
      ...page.edges.map(({ node }) => ({ id: node.id, position: node.position, stream: node.stream.name })),
    );
    if (page.lastPosition === after) return events;
    after = page.lastPosition;
  }
}

describe('event ids across gateway processes', () => {
  test('races of one id between streams, deletions and retries leave every id stored at most once', async () => {
    const [one, two] = gateways as [GatewayProcess, GatewayProcess];
    const stored = new Map<string, { stream: string; position: number }>();
    const counts = { creationRaces: 0, reusedAfterDeletion: 0, refusedDuringDeletion: 0, replays: 0 };
    for (let round = 0; round < rounds; round++) {
      // (a) One new id, two streams, two gateways, at once: exactly one is stored.
      const id = randomUUID();
      const raced = await Promise.all([
        append(one, `left-${round}`, [id]),
        append(two, `right-${round}`, [id]),
      ]);
      expect(raced.map((answer) => answer.__typename).sort()).toEqual([
        'AppendEventsSuccess',
        'InvalidInputError',
      ]);
      expect(raced.find((answer) => answer.__typename === 'InvalidInputError')).toEqual(taken);
      const winner = raced.findIndex((answer) => answer.__typename === 'AppendEventsSuccess');
      stored.set(id, {
        stream: `${winner === 0 ? 'left' : 'right'}-${round}`,
        position: raced[winner]!.events![0]!.position,
      });
      counts.creationRaces++;

      // (b) The stream holding an id is deleted while another gateway appends the id elsewhere.
      const doomed = randomUUID();
      await append(one, `old-${round}`, [doomed]);
      const [deleted, reuse] = await Promise.all([
        deleteStream(one, `old-${round}`),
        append(two, `new-${round}`, [doomed]),
      ]);
      expect(deleted).toBe('DeleteStreamSuccess');
      if (reuse.__typename === 'AppendEventsSuccess') {
        stored.set(doomed, { stream: `new-${round}`, position: reuse.events![0]!.position });
        counts.reusedAfterDeletion++;
      } else {
        expect(reuse).toEqual(taken);
        counts.refusedDuringDeletion++;
      }

      // (c) A retry to its own stream and the same id sent to another stream, at once.
      const kept = randomUUID();
      const first = await append(one, `kept-${round}`, [kept]);
      stored.set(kept, { stream: `kept-${round}`, position: first.events![0]!.position });
      const [retry, steal] = await Promise.all([
        append(two, `kept-${round}`, [kept]),
        append(one, `stolen-${round}`, [kept]),
      ]);
      expect(retry).toMatchObject({
        __typename: 'AppendEventsSuccess',
        replayed: true,
        events: first.events,
      });
      expect(steal).toEqual(taken);
      counts.replays++;
    }
    console.log(`event ids across processes: ${JSON.stringify(counts)}`);

    // The whole history: each id at most once in the live log, where its success said.
    const log = await readLog(two);
    const ids = log.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(log.map((event) => `${event.id}@${event.position}/${event.stream}`).sort()).toEqual(
      [...stored].map(([id, at]) => `${id}@${at.position}/${at.stream}`).sort(),
    );
    // Every claim names the stream holding its event; none is left behind by a deletion.
    const claims = await scanClaims(testClient(), eventsTableName(prefix), tenant);
    const pkOf = (name: string) => streamPk(tenant, { id: streamIdForName(name), category: null });
    expect(claims.map((claim) => `${claim.eventId}/${claim.streamPk}`).sort()).toEqual(
      log.map((event) => `${event.id}/${pkOf(event.stream)}`).sort(),
    );
  }, 180_000);
});
