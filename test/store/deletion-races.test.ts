// Deletion racing deletion, re-creation and appends, with two "gateways" (two store instances,
// each with its own DynamoDB client and group committers) on one table in DynamoDB Local.
// The racy cases repeat for several rounds, each on its own tenant and with other timings,
// and check afterwards that every acknowledged event is stored as it was acknowledged.
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type AppendRequest,
  type AppendResult,
  type EventStore,
  ExpectedVersionRequiredError,
  eventsTableName,
  type RecordedEvent,
  StreamIsUnversionedError,
  streamIdForName,
  type TenantEventStore,
  WrongExpectedVersionError,
} from '../../src/store/index.js';
import { fromItem, type Item, toItem } from '../../src/store/items.js';
import { headSk, logPk, positionSk, streamListPk, streamListSk, streamPk } from '../../src/store/keys.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';

/**
 * Rounds of each racy case, each on its own tenant and stream (a round stores 150 events and
 * deletes them twice over: 1-2 s on DynamoDB Local, on a loaded machine). Against the code these
 * tests were written for, 30-60% of the rounds of each case lost an acknowledged event (measured
 * over 16-round runs at load 8-11 on 2 cores: 4, 8, 5 and 6 of 16 for the two deletions; 9, 7 and
 * 7 of 16 for the append that finishes a deletion), so 12 rounds miss the defect with a chance
 * of about 0.7^12 < 2%, and a run of all rounds stays under ~30 s.
 */
const doubleDeletionRounds = 12;
const appendFinishesDeletionRounds = 12;
/** Events of the stream that gets deleted: enough that a deletion takes many requests. */
const oldEvents = 150;
/**
 * When the second deleter starts: once the first deletion has had this many write requests
 * answered (today: the mark, then 6 BatchWriteItems of tombstones, then 13 of deletes), or else
 * once it returned, then after the extra delay. DynamoDB Local answers a batch in 20-50 ms and
 * the second deletion catches up (its deletes find the items gone already), so the issue's
 * "20 ms later" lands both in the same slot of requests and which one finishes last is a coin
 * toss. Started late in the first one's tombstone phase, the second still reads the whole
 * stream and redoes all of its work, so it trails by several requests, as in production.
 * Both are cycled over the rounds.
 */
const deleterLagWrites = [6, 5, 7, 6, 4, 7, 5, 6, 5, 6, 4, 5];
const deleterGapsMs = [0, 20, 5, 35, 10, 40, 15, 25, 0, 10, 30, 5];
/** Delays (ms) after the first deletion returns before the stream is created again; cycled. */
const recreateDelaysMs = [0, 0, 3, 8, 0, 15, 1, 5, 2, 0, 10, 0];

const prefix = uniquePrefix('delraces');
let one: Gateway;
let two: Gateway;

interface Gateway {
  store: EventStore;
  client: DynamoDBClient;
  /** Resolves once this gateway's client has had `count` more write requests answered. */
  writes(count: number): Promise<void>;
}

const writeCommands = new Set([
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
]);

async function gateway(): Promise<Gateway> {
  const client = testClient();
  let answered = 0;
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } finally {
        if (writeCommands.has(context.commandName ?? '')) {
          answered++;
          for (const waiter of waiters.filter((w) => w.at <= answered)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      }
    },
    { step: 'initialize', name: 'countWrites' },
  );
  const { store } = await createTestStore(prefix, { client });
  return {
    store,
    client,
    writes: (count) =>
      count <= 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ at: answered + count, resolve })),
  };
}

beforeAll(async () => {
  one = await gateway();
  two = await gateway();
});

afterAll(async () => {
  for (const gateway of [one, two]) {
    await gateway?.store.close();
    gateway?.client.destroy();
  }
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface StreamName {
  name: string;
  category: string | null;
}

/** Stores `count` events in appends of 30 (an append holds at most 32). */
async function seed(store: TenantEventStore, ref: StreamName, count: number): Promise<void> {
  for (let from = 0; from < count; from += 30) {
    await store.append({
      stream: ref,
      events: Array.from({ length: Math.min(30, count - from) }, (_, k) => ({
        type: 'Old',
        data: { n: from + k + 1 },
      })),
    });
  }
}

function appendOf(ref: StreamName, type: string, data: unknown, expectedVersion?: number): AppendRequest {
  return {
    stream: ref,
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
    events: [{ id: randomUUID(), type, data }],
  };
}

function brief(event: RecordedEvent): string {
  return `{id ${event.id}, type ${event.type}, version ${event.version}, position ${event.position}}`;
}

/** What DynamoDB holds for the stream, its listing and the given log positions, for failure messages. */
async function rawState(tenant: string, ref: StreamName, positions: readonly number[]): Promise<string> {
  const { client } = one;
  const table = eventsTableName(prefix);
  const key = { id: streamIdForName(ref.name), category: ref.category };
  const pk = streamPk(tenant, key);
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: toItem({ ':pk': pk }),
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const show = (item: Item | undefined) => {
    if (!item) return 'none';
    const { pk: _pk, data: _data, metadata: _metadata, ...rest } = fromItem<Record<string, unknown>>(item);
    return JSON.stringify(rest);
  };
  const get = async (itemPk: string, sk: string) =>
    (
      await client.send(
        new GetItemCommand({ TableName: table, Key: toItem({ pk: itemPk, sk }), ConsistentRead: true }),
      )
    ).Item;
  const lines = [`  stream items (${items.length}):`];
  for (const item of items.slice(0, 20)) lines.push(`    ${show(item)}`);
  if (items.length > 20) lines.push(`    … ${items.length - 20} more`);
  const head = items.find((item) => item.sk?.S === headSk);
  lines.push(`  head: ${show(head)}`);
  lines.push(`  listing: ${show(await get(streamListPk(tenant), streamListSk(key)))}`);
  for (const position of [...new Set(positions)].sort((x, y) => x - y)) {
    lines.push(`  log ${position}: ${show(await get(logPk(tenant), positionSk(position)))}`);
  }
  return lines.join('\n');
}

interface Acknowledged {
  what: string;
  request: AppendRequest;
  result: AppendResult;
}

/**
 * Checks that each acknowledged append of the new incarnation is stored as acknowledged
 * (stream, head, log), then that the stream goes on at the next version and that retrying
 * each acknowledged append gives back exactly its events. Returns what went wrong.
 */
async function checkAcknowledged(
  gateway: Gateway,
  tenant: string,
  ref: StreamName,
  acknowledged: Acknowledged[],
  problems: string[],
): Promise<RecordedEvent[]> {
  const store = gateway.store.forTenant(tenant);
  const events = acknowledged.flatMap(({ result }) => result.events);
  const versions = events.map((event) => event.version).sort((x, y) => x - y);
  const expectedVersions = events.map((_, index) => index + 1);
  if (JSON.stringify(versions) !== JSON.stringify(expectedVersions)) {
    problems.push(
      `acknowledged versions are ${JSON.stringify(versions)}, not ${JSON.stringify(expectedVersions)}: ` +
        acknowledged.map(({ what, result }) => `${what} ${result.events.map(brief).join(' ')}`).join('; '),
    );
  }
  const stored = (await store.readStream(ref, { first: 1000 })).edges.map((edge) => edge.node);
  for (const event of events) {
    const found = stored.find((candidate) => candidate.version === event.version);
    if (found?.id !== event.id) {
      problems.push(
        `acknowledged ${brief(event)} is not in readStream at its version; there is ${found ? brief(found) : 'nothing'}`,
      );
    }
  }
  if (stored.length !== events.length) {
    problems.push(
      `readStream holds ${stored.length} events, ${events.length} were acknowledged: ${stored.map(brief).join(' ')}`,
    );
  }
  const info = await store.getStream(ref);
  if (info === null) {
    problems.push(`getStream is null, but readStream shows ${stored.map(brief).join(' ') || 'nothing'}`);
  } else if (info.version !== events.length) {
    problems.push(`getStream says version ${info.version}, ${events.length} events were acknowledged`);
  }
  const log = await readWholeLog(store);
  const key = { id: streamIdForName(ref.name), category: ref.category };
  const inLog = log.filter((event) => event.stream.id === key.id && event.stream.category === key.category);
  for (const event of events) {
    const entry = log.find((candidate) => candidate.position === event.position);
    if (entry?.id !== event.id || entry.version !== event.version) {
      problems.push(
        `the log at position ${event.position} holds ${entry ? brief(entry) : 'no event'}, acknowledged was ${brief(event)}`,
      );
    }
  }
  if (inLog.length !== events.length) {
    problems.push(`the log holds ${inLog.length} live events of the stream: ${inLog.map(brief).join(' ')}`);
  }
  // The stream goes on where the acknowledged events left it.
  const next = await store.append(appendOf(ref, 'Next', { after: events.length }));
  const nextVersion = next.events[0]?.version;
  if (nextVersion !== events.length + 1) {
    problems.push(
      `the next append after settling was stored as version ${nextVersion}, not ${events.length + 1}: ${next.events.map(brief).join(' ')}`,
    );
  }
  // A retry of each acknowledged append answers with exactly its events.
  for (const { what, request, result } of acknowledged) {
    const retried = await store.append(request).catch((error: unknown) => error as Error);
    const ids = result.events.map((event) => event.id);
    if (retried instanceof Error) {
      problems.push(
        `retrying the ${what} (ids ${ids.join(', ')}) failed: ${retried.name}: ${retried.message}`,
      );
    } else if (!retried.replayed || JSON.stringify(retried.events.map((e) => e.id)) !== JSON.stringify(ids)) {
      problems.push(
        `retrying the ${what} (ids ${ids.join(', ')}) answered replayed: ${retried.replayed} with ${retried.events.map(brief).join(' ')}`,
      );
    }
  }
  return [...events, ...next.events];
}

/** Fails with what was stored instead, and DynamoDB's items, unless `outcome` is an `expected` error. */
async function expectRefused(
  outcome: unknown,
  expected: new (...args: never[]) => Error,
  what: string,
  tenant: string,
  ref: StreamName,
  headBefore: number,
): Promise<void> {
  if (outcome instanceof expected) return;
  const got =
    outcome instanceof Error
      ? `${outcome.name}: ${outcome.message}`
      : `success: ${(outcome as AppendResult).events.map(brief).join(' ')}, the stream now ${JSON.stringify((outcome as AppendResult).stream)}`;
  throw new Error(
    `${what} should be refused with ${expected.name}, nothing written; it got ${got}\n` +
      (await rawState(tenant, ref, [headBefore + 1])),
  );
}

function roundFailure(title: string, problems: string[], before: string, after: string): Error {
  return new Error(
    `${title}\n- ${problems.join('\n- ')}\nDynamoDB right after the race settled:\n${before}\n` +
      `DynamoDB after the checks (next append, retries):\n${after}`,
  );
}

describe('a deletion racing another deletion and the re-creation of the stream', () => {
  test('two overlapping deletions, the stream created again as soon as the first returns: the new stream survives', async () => {
    for (let round = 0; round < doubleDeletionRounds; round++) {
      const lagWrites = deleterLagWrites[round % deleterLagWrites.length]!;
      const gapMs = deleterGapsMs[round % deleterGapsMs.length]!;
      const recreateDelayMs = recreateDelaysMs[round % recreateDelaysMs.length]!;
      const tenant = uniqueTenant(`dd${round}`);
      const ref: StreamName = { name: `doomed-${round}`, category: round % 2 === 0 ? null : 'orders' };
      const first = one.store.forTenant(tenant);
      const second = two.store.forTenant(tenant);
      await seed(first, ref, oldEvents);

      // Both deletions expect the old stream's version, so neither may delete the new stream.
      const progress = one.writes(lagWrites);
      const deletion1 = first.deleteStream(ref, oldEvents);
      const firstDone = deletion1.then(
        () => undefined,
        () => undefined,
      );
      const deletion2 = Promise.race([progress, firstDone])
        .then(() => sleep(gapMs))
        .then(() => second.deleteStream(ref, oldEvents));
      const recreation = appendOf(ref, 'Reborn', { round });
      const recreated = deletion1.then(async () => {
        await sleep(recreateDelayMs);
        return first.append(recreation);
      });
      const [outcome1, outcome2, created] = await Promise.allSettled([deletion1, deletion2, recreated]);

      const title = `round ${round + 1} of ${doubleDeletionRounds} (second deletion ${gapMs} ms after the first had ${lagWrites} writes answered, re-created ${recreateDelayMs} ms after the first returned, tenant ${tenant})`;
      expect(outcome1.status, `${title}: the first deletion`).toBe('fulfilled');
      if (outcome2.status === 'rejected') {
        // It may only come too late and find the new stream, which it must then leave alone.
        expect(outcome2.reason, `${title}: the second deletion`).toBeInstanceOf(WrongExpectedVersionError);
      }
      if (created.status === 'rejected') throw created.reason;
      const acknowledged = [{ what: 're-creation', request: recreation, result: created.value }];
      const positions = created.value.events.map((event) => event.position);
      const before = await rawState(tenant, ref, positions);
      const problems: string[] = [];
      const all = await checkAcknowledged(one, tenant, ref, acknowledged, problems);
      if (problems.length > 0) {
        const after = await rawState(tenant, ref, [...positions, ...all.map((event) => event.position)]);
        throw roundFailure(`${title}: acknowledged events were lost or replaced`, problems, before, after);
      }
    }
  }, 60_000);

  test('an append finishing a deletion races it, the stream created again as soon as the deletion returns: both appends are kept', async () => {
    for (let round = 0; round < appendFinishesDeletionRounds; round++) {
      const gapMs = deleterGapsMs[round % deleterGapsMs.length]!;
      const recreateDelayMs = recreateDelaysMs[round % recreateDelaysMs.length]!;
      const tenant = uniqueTenant(`af${round}`);
      const ref: StreamName = { name: `doomed-${round}`, category: round % 2 === 0 ? 'orders' : null };
      const first = one.store.forTenant(tenant);
      const second = two.store.forTenant(tenant);
      // Half the rounds the appending gateway has the old head cached, half it has not.
      await seed(round % 2 === 0 ? second : first, ref, oldEvents);

      const deletion = first.deleteStream(ref, oldEvents);
      // The append starts once the stream is marked: it then meets the mark and finishes the
      // deletion itself, racing the deletion that marked it.
      let deletionReturned = false;
      const returned = () => {
        deletionReturned = true;
      };
      deletion.then(returned, returned);
      while (!deletionReturned && (await second.getStream(ref)) !== null) await sleep(1);
      const late = appendOf(ref, 'Late', { round });
      const lateAppend = sleep(gapMs).then(() => second.append(late));
      const recreation = appendOf(ref, 'Reborn', { round });
      const recreated = deletion.then(async () => {
        await sleep(recreateDelayMs);
        return first.append(recreation);
      });
      const [deleted, appended, created] = await Promise.allSettled([deletion, lateAppend, recreated]);

      const title = `round ${round + 1} of ${appendFinishesDeletionRounds} (the other gateway appends ${gapMs} ms after the mark, re-created ${recreateDelayMs} ms after the deletion returned, tenant ${tenant})`;
      expect(deleted.status, `${title}: the deletion`).toBe('fulfilled');
      if (appended.status === 'rejected') throw appended.reason;
      if (created.status === 'rejected') throw created.reason;
      const acknowledged = [
        { what: 're-creation', request: recreation, result: created.value },
        { what: 'append that met the deletion', request: late, result: appended.value },
      ];
      const positions = acknowledged.flatMap(({ result }) => result.events.map((event) => event.position));
      const before = await rawState(tenant, ref, positions);
      const problems: string[] = [];
      const all = await checkAcknowledged(one, tenant, ref, acknowledged, problems);
      if (problems.length > 0) {
        const after = await rawState(tenant, ref, [...positions, ...all.map((event) => event.position)]);
        throw roundFailure(`${title}: acknowledged events were lost or replaced`, problems, before, after);
      }
    }
  }, 60_000);
});

describe('a head cached by one gateway while another deletes and re-creates the stream', () => {
  test('an expected version on a stream re-created unversioned is refused with StreamIsUnversionedError', async () => {
    const tenant = uniqueTenant('stale');
    const ref: StreamName = { name: 'reborn-unversioned', category: 'accounts' };
    const first = one.store.forTenant(tenant);
    const second = two.store.forTenant(tenant);
    // The first gateway appends to a versioned stream and caches its head (version 1, versioned).
    await first.append(appendOf(ref, 'Opened', { incarnation: 1 }, 0));
    await sleep(10);
    await second.deleteStream(ref);
    const recreated = await second.append(appendOf(ref, 'Opened', { incarnation: 2 }));
    expect(recreated.stream).toMatchObject({ version: 1, versioned: false });
    const headBefore = await first.headPosition();

    const outcome = await first.append(appendOf(ref, 'Changed', { incarnation: 1 }, 1)).then(
      (result) => result,
      (error: unknown) => error,
    );
    await expectRefused(
      outcome,
      StreamIsUnversionedError,
      'the append with expectedVersion 1 to the unversioned stream',
      tenant,
      ref,
      headBefore,
    );
    // Nothing written: the re-created stream is as its one append left it.
    expect(await first.headPosition()).toBe(headBefore);
    const info = await second.getStream(ref);
    expect(info, 'getStream: the re-created stream, untouched').toMatchObject({
      version: 1,
      versioned: false,
      createdAt: recreated.stream.createdAt,
    });
    const stored = (await second.readStream(ref)).edges.map((edge) => edge.node);
    expect(stored.map((event) => event.id)).toEqual(recreated.events.map((event) => event.id));
  });

  test('an unversioned append on a stream re-created versioned is refused with ExpectedVersionRequiredError', async () => {
    const tenant = uniqueTenant('stale');
    const ref: StreamName = { name: 'reborn-versioned', category: null };
    const first = one.store.forTenant(tenant);
    const second = two.store.forTenant(tenant);
    // The first gateway appends to an unversioned stream and caches its head (version 1, unversioned).
    await first.append(appendOf(ref, 'Opened', { incarnation: 1 }));
    await sleep(10);
    await second.deleteStream(ref);
    const recreated = await second.append(appendOf(ref, 'Opened', { incarnation: 2 }, 0));
    expect(recreated.stream).toMatchObject({ version: 1, versioned: true });
    const headBefore = await first.headPosition();

    const outcome = await first.append(appendOf(ref, 'Changed', { incarnation: 1 })).then(
      (result) => result,
      (error: unknown) => error,
    );
    await expectRefused(
      outcome,
      ExpectedVersionRequiredError,
      'the unversioned append to the versioned stream',
      tenant,
      ref,
      headBefore,
    );
    expect(await first.headPosition()).toBe(headBefore);
    const info = await second.getStream(ref);
    expect(info, 'getStream: the re-created stream, untouched').toMatchObject({
      version: 1,
      versioned: true,
      createdAt: recreated.stream.createdAt,
    });
    const stored = (await second.readStream(ref)).edges.map((edge) => edge.node);
    expect(stored.map((event) => event.id)).toEqual(recreated.events.map((event) => event.id));
  });
});
