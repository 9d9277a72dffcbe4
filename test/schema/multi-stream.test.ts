/**
 * Mutation.appendToStreams (the multi-stream part of the contract) over HTTP and graphql-ws
 * against a real gateway on DynamoDB Local: a transfer with a condition on a third stream, the
 * refusals with the stream they name (and nothing stored), the input errors' paths, replays,
 * scopes and restrictions, and what subscriptions see of a multi-stream append. The rules
 * themselves are the store contract's (test/store/multi-stream.contract.ts); this file checks
 * what the API makes of them.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import {
  AppendToStreamsDocument,
  type AppendToStreamsInput,
  type AppendToStreamsMutation,
  HeadDocument,
  OnEventsDocument,
  OnStreamEventsDocument,
  StreamDocument,
} from '../generated/graphql.js';
import { expectType, type RequestOptions, uniqueName, useTestApi } from '../support/api.js';
import { uniqueTenant } from '../support/dynamo.js';
import { appendOk, event, type Ref } from '../support/fixtures.js';
import { subscriptionsStarted, useSubscriptionClients } from '../support/subscriptions.js';
import { fakeTokens } from '../support/tokens.js';

const tenant = uniqueTenant('multi');
const key = 'multi-stream-full-access-key-0123456789';
const readOnlyKey = 'multi-stream-read-only-key-0123456789';
const tokens = fakeTokens();
const api = useTestApi({
  apiKeys: { [key]: tenant, [readOnlyKey]: `${tenant}:read` },
  options: { tokens: tokens.verifier },
});
const clients = useSubscriptionClients();
const asKey: RequestOptions = { key };

type Result = AppendToStreamsMutation['appendToStreams'];

async function appendToStreams(
  input: AppendToStreamsInput,
  options: RequestOptions = asKey,
): Promise<Result> {
  return (await api().data(AppendToStreamsDocument, { input }, options)).appendToStreams;
}

/** Streams here are named, so their ids are streamIdForName(name). */
type NamedRef = Ref & { name: string };

const account = (label: string): NamedRef => ({ name: uniqueName(label), category: 'account' });

async function head(): Promise<number> {
  return (await api().data(HeadDocument, {}, asKey)).head;
}

async function versionOf(ref: Ref): Promise<number> {
  const { stream } = await api().data(StreamDocument, { ref }, asKey);
  return stream?.version ?? 0;
}

/** Two accounts opened with 1 event each, and a limits stream with 2 (all versioned). */
async function openAccounts() {
  const from = account('from');
  const to = account('to');
  const limits: NamedRef = { name: uniqueName('limits'), category: 'limits' };
  await appendOk(api(), from, [event('Opened', { balance: 100 })], 0, asKey);
  await appendOk(api(), to, [event('Opened', { balance: 0 })], 0, asKey);
  await appendOk(api(), limits, [event('LimitSet', { max: 500 }), event('LimitSet', { max: 50 })], 0, asKey);
  return { from, to, limits };
}

function transfer(
  accounts: Awaited<ReturnType<typeof openAccounts>>,
  limitsVersion = 2,
): AppendToStreamsInput {
  const transferId = randomUUID();
  return {
    appends: [
      {
        stream: accounts.from,
        expectedVersion: 1,
        events: [{ id: randomUUID(), ...event('Debited', { transferId }) }],
      },
      {
        stream: accounts.to,
        expectedVersion: 1,
        events: [{ id: randomUUID(), ...event('Credited', { transferId }) }],
      },
    ],
    conditions: [{ stream: accounts.limits, expectedVersion: limitsVersion }],
  };
}

/** The state the refusal tests check is untouched: the log head and each stream's version. */
async function stateOf(refs: Ref[]) {
  return { head: await head(), versions: await Promise.all(refs.map(versionOf)) };
}

describe('appendToStreams', () => {
  test('a transfer: both appends stored in one call, in consecutive positions, the condition held', async () => {
    const accounts = await openAccounts();
    const result = expectType(await appendToStreams(transfer(accounts)), 'AppendToStreamsSuccess');
    const [debit, credit] = result.appends;
    expect(result.appends).toHaveLength(2);
    expect(debit).toMatchObject({
      replayed: false,
      stream: { name: accounts.from.name, version: 2, versioned: true },
    });
    expect(credit).toMatchObject({
      replayed: false,
      stream: { name: accounts.to.name, version: 2, versioned: true },
    });
    expect(credit!.events[0]!.position).toBe(debit!.events[0]!.position + 1);
    expect(debit!.events[0]).toMatchObject({ type: 'Debited', version: 2 });
    expect(await head()).toBe(credit!.events[0]!.position);
    expect(await versionOf(accounts.limits)).toBe(2);
  });

  test('a moved condition refuses the call with WrongExpectedVersionError naming that stream; nothing stored', async () => {
    const accounts = await openAccounts();
    const before = await stateOf([accounts.from, accounts.to, accounts.limits]);
    const refused = expectType(await appendToStreams(transfer(accounts, 1)), 'WrongExpectedVersionError');
    expect(refused).toMatchObject({
      expectedVersion: 1,
      actualVersion: 2,
      streamId: streamIdForName(accounts.limits.name),
      category: 'limits',
    });
    expect(await stateOf([accounts.from, accounts.to, accounts.limits])).toEqual(before);
  });

  test('each error type names its stream; of several failures, the first in input order', async () => {
    const accounts = await openAccounts();
    const loose: NamedRef = { name: uniqueName('loose') };
    await appendOk(api(), loose, [event('Note')], undefined, asKey);
    const before = await stateOf([accounts.from, accounts.to, loose]);
    const one = [event('E')];

    const required = await appendToStreams({
      appends: [
        { stream: accounts.from, expectedVersion: 1, events: one },
        { stream: accounts.to, events: one },
        { stream: loose, expectedVersion: 1, events: one },
      ],
    });
    expect(expectType(required, 'ExpectedVersionRequiredError')).toMatchObject({
      streamId: streamIdForName(accounts.to.name),
      category: 'account',
    });
    const unversioned = await appendToStreams({
      appends: [
        { stream: loose, expectedVersion: 1, events: one },
        { stream: accounts.to, events: one },
      ],
    });
    expect(expectType(unversioned, 'StreamIsUnversionedError')).toMatchObject({
      streamId: streamIdForName(loose.name),
      category: null,
    });
    const wrong = await appendToStreams({
      appends: [{ stream: accounts.from, expectedVersion: 1, events: one }],
      conditions: [
        { stream: accounts.to, expectedVersion: 5 },
        { stream: accounts.limits, expectedVersion: 9 },
      ],
    });
    expect(expectType(wrong, 'WrongExpectedVersionError')).toMatchObject({
      streamId: streamIdForName(accounts.to.name),
      expectedVersion: 5,
      actualVersion: 1,
    });
    expect(await stateOf([accounts.from, accounts.to, loose])).toEqual(before);
  });

  test('a single append refused names its stream too', async () => {
    const accounts = await openAccounts();
    const result = await appendToStreams({
      appends: [{ stream: accounts.from, expectedVersion: 7, events: [event('E')] }],
    });
    expect(expectType(result, 'WrongExpectedVersionError')).toMatchObject({
      streamId: streamIdForName(accounts.from.name),
      category: 'account',
    });
  });

  test('input errors carry the path of the offending field under `input`; nothing stored', async () => {
    const accounts = await openAccounts();
    const before = await stateOf([accounts.from, accounts.to]);
    const cases: [AppendToStreamsInput, string[]][] = [
      [{ appends: [] }, ['input', 'appends']],
      [
        {
          appends: [{ stream: accounts.from, expectedVersion: 1, events: [event('E')] }],
          conditions: [{ stream: accounts.from, expectedVersion: 1 }],
        },
        ['input', 'conditions', '0', 'stream'],
      ],
      [
        {
          appends: [
            { stream: accounts.from, expectedVersion: 1, events: [event('E')] },
            { stream: accounts.to, expectedVersion: 1, events: [event('')] },
          ],
        },
        ['input', 'appends', '1', 'events', '0', 'type'],
      ],
      [
        {
          appends: Array.from({ length: 11 }, () => ({ stream: account('many'), events: [event('E')] })),
        },
        ['input', 'appends'],
      ],
    ];
    for (const [input, path] of cases) {
      const refused = expectType(await appendToStreams(input), 'InvalidInputError');
      expect(refused.path, refused.message).toEqual(path);
    }
    expect(await stateOf([accounts.from, accounts.to])).toEqual(before);
  });

  test('a retry of a stored call (same event ids) returns the stored events, replayed, whatever the conditions now say', async () => {
    const accounts = await openAccounts();
    const input = transfer(accounts);
    const first = expectType(await appendToStreams(input), 'AppendToStreamsSuccess');
    await appendOk(api(), accounts.limits, [event('LimitSet', { max: 10 })], 2, asKey);
    const headBefore = await head();

    const again = expectType(await appendToStreams(input), 'AppendToStreamsSuccess');
    expect(again.appends.map((append) => append.replayed)).toEqual([true, true]);
    expect(again.appends.map((append) => append.events.map((e) => [e.id, e.position]))).toEqual(
      first.appends.map((append) => append.events.map((e) => [e.id, e.position])),
    );
    expect(await head()).toBe(headBefore);
  });

  test('needs the append scope, and a restricted principal may not touch (or check) a stream outside its view', async () => {
    const accounts = await openAccounts();
    const before = await stateOf([accounts.from, accounts.to, accounts.limits]);
    const readOnly = await api().execute(
      AppendToStreamsDocument,
      { input: transfer(accounts) },
      { key: readOnlyKey },
    );
    expect(readOnly.status).toBe(403);
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const accountsOnly = tokens.issue({ tenant, categories: ['account'] });
    const restricted = await api().execute(
      AppendToStreamsDocument,
      { input: transfer(accounts) },
      { key: accountsOnly },
    );
    expect(restricted.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(restricted.text).not.toMatch(/\bat .*\.ts:\d+/);
    expect(await stateOf([accounts.from, accounts.to, accounts.limits])).toEqual(before);

    const withLimits = tokens.issue({ tenant, categories: ['account', 'limits'] });
    expect((await appendToStreams(transfer(accounts), { key: withLimits })).__typename).toBe(
      'AppendToStreamsSuccess',
    );
  });

  test("subscriptions see the call's events in consecutive positions; streamEvents of each stream its own", async () => {
    const accounts = await openAccounts();
    const client = clients.ws(api().url, { key });
    const log = client.subscribe(OnEventsDocument, {});
    const fromStream = client.subscribe(OnStreamEventsDocument, { stream: accounts.from });
    const toStream = client.subscribe(OnStreamEventsDocument, { stream: accounts.to });
    await subscriptionsStarted(api().app, tenant, 3);

    const input = transfer(accounts);
    input.appends[0]!.events.push({ id: randomUUID(), ...event('Fee') });
    const stored = expectType(await appendToStreams(input), 'AppendToStreamsSuccess');
    const positions = stored.appends.flatMap((append) => append.events.map((e) => e.position));

    const logged = await log.waitUntil((items) =>
      items.some((item) => item.events.position === positions.at(-1)),
    );
    const seen = logged.map((item) => item.events.position).filter((p) => p >= positions[0]!);
    expect(seen).toEqual(positions);
    expect(positions).toEqual([positions[0], positions[0]! + 1, positions[0]! + 2]);
    const versions = (items: { streamEvents: { type: string; version: number } }[]) =>
      items.map((item) => [item.streamEvents.type, item.streamEvents.version]);
    expect(versions(await fromStream.waitFor(2))).toEqual([
      ['Debited', 2],
      ['Fee', 3],
    ]);
    expect(versions(await toStream.waitFor(1))).toEqual([['Credited', 2]]);
  });
});
