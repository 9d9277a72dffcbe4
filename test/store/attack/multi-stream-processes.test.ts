/**
 * appendToStreams through GraphQL on two gateway processes (`src/main.ts`) on one table: one is
 * SIGKILLed while calls are in flight (some committed, some not, their answers lost), and every
 * call, answered or not, is sent again with the same ids to the other. Each retry must succeed:
 * the calls answered before the kill replay exactly what they answered, the others replay what
 * was committed or are stored now; afterwards the log holds every call's events once, whole, at
 * consecutive positions.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uniquePrefix } from '../../support/dynamo.js';
import {
  type GatewayProcess,
  graphqlPost,
  killGatewayProcesses,
  startGatewayProcess,
} from '../../support/gateway-process.js';

const key = 'multi-stream-processes-key-0123456789';
const tenant = 'msproc';
const prefix = uniquePrefix('msproc');
const calls = 40;
let victim: GatewayProcess;
let survivor: GatewayProcess;

const env = { EVENTLOOM_API_KEYS: `${key}=${tenant}`, EVENTLOOM_RATE_LIMIT_BURST: '10000' };

beforeAll(async () => {
  [victim, survivor] = (await Promise.all(
    [0, 1].map(() => startGatewayProcess({ env, tablePrefix: prefix })),
  )) as [GatewayProcess, GatewayProcess];
}, 120_000);
afterAll(async () => {
  await survivor?.stop();
  killGatewayProcesses();
});

const mutation = `mutation ($input: AppendToStreamsInput!) {
  appendToStreams(input: $input) {
    __typename
    ... on AppendToStreamsSuccess { appends { replayed events { id position version } } }
    ... on Error { message }
  }
}`;

interface Answer {
  __typename: string;
  message?: string;
  appends?: { replayed: boolean; events: { id: string; position: number; version: number }[] }[];
}

async function send(gateway: GatewayProcess, input: object): Promise<Answer> {
  const result = await graphqlPost(gateway.url, { query: mutation, variables: { input } }, { key });
  const answer = result.body?.data?.appendToStreams as Answer | undefined;
  if (!answer) throw new Error(`HTTP ${result.status}: ${result.text.slice(0, 300)}`);
  return answer;
}

const positionsOf = (answer: Answer) => answer.appends?.flatMap((a) => a.events.map((e) => e.position)) ?? [];

/** Sends `inputs` to the victim a few at a time, SIGKILLs it `thenMs` after `killAfter` were answered. */
async function killMidLoad(inputs: object[], killAfter: number, thenMs: number) {
  const before = new Map<number, Answer>();
  let lostAnswers = 0;
  const inFlight = inputs.map(async (input, n) => {
    // A few at a time: the victim's committer has a batch in flight most of the time.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(n / 4) * 3));
    try {
      before.set(n, await send(victim, input));
    } catch {
      lostAnswers++;
    }
  });
  // The next batch's transaction is then likely on its way to DynamoDB.
  const deadline = Date.now() + 20_000;
  while (before.size < killAfter && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 2));
  await new Promise((resolve) => setTimeout(resolve, thenMs));
  process.kill(victim.pid, 'SIGKILL');
  await Promise.all(inFlight);
  return { before, lostAnswers };
}

describe('appendToStreams and a gateway process killed mid-call', () => {
  test('every call sent again to the other gateway succeeds; nothing stored twice or half', async () => {
    const owned: number[] = [];
    const figures: object[] = [];
    for (const [round, [killAfter, thenMs]] of [
      [3, 0],
      [10, 3],
      [20, 7],
    ].entries()) {
      if (round > 0) victim = await startGatewayProcess({ env, tablePrefix: prefix });
      // Each call creates two streams of its own (expected version 0) and adds to a shared one, on
      // the condition that another never exists: a retry of a committed call can only replay.
      const inputs = Array.from({ length: calls }, (_, n) => ({
        appends: [
          {
            stream: { name: `r${round}c${n}-a` },
            expectedVersion: 0,
            events: [1, 2].map(() => ({ id: randomUUID(), type: 'T', data: n })),
          },
          {
            stream: { name: `r${round}c${n}-b` },
            expectedVersion: 0,
            events: [{ id: randomUUID(), type: 'T', data: n }],
          },
          { stream: { name: 'shared' }, events: [{ id: randomUUID(), type: 'T', data: n }] },
        ],
        conditions: [{ stream: { name: 'never' }, expectedVersion: 0 }],
      }));
      const { before, lostAnswers } = await killMidLoad(inputs, killAfter ?? 1, thenMs ?? 0);
      const after = await Promise.all(inputs.map((input) => send(survivor, input)));
      for (const [n, answer] of before) {
        expect(answer.__typename).toBe('AppendToStreamsSuccess');
        expect(after[n]?.appends).toEqual(answer.appends?.map((a) => ({ ...a, replayed: true })));
      }
      for (const [n, answer] of after.entries()) {
        expect(answer.__typename, JSON.stringify(answer)).toBe('AppendToStreamsSuccess');
        const ids = inputs[n]!.appends.flatMap((a) => a.events.map((e) => e.id));
        expect(answer.appends?.flatMap((a) => a.events.map((e) => e.id))).toEqual(ids);
        const positions = positionsOf(answer);
        expect(positions).toEqual(positions.map((_, i) => (positions[0] ?? 0) + i));
        owned.push(...positions);
      }
      const replayedUnanswered = after.filter(
        (answer, n) => !before.has(n) && answer.appends?.[0]?.replayed,
      ).length;
      figures.push({ answeredBeforeKill: before.size, lostAnswers, replayedUnanswered });
      expect(lostAnswers).toBeGreaterThan(0);
    }
    // Every position 1..N owed to exactly one call.
    owned.sort((x, y) => x - y);
    expect(owned).toEqual(owned.map((_, i) => i + 1));
    const head = await graphqlPost(survivor.url, { query: '{ head }' }, { key });
    expect(head.body?.data?.head).toBe(owned.length);
    console.log(JSON.stringify({ calls, rounds: figures }));
  }, 120_000);
});
