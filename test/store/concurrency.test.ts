// Races with real concurrency against DynamoDB Local, checking the invariants afterwards.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, test } from 'vitest';
import {
  createDynamoEventStore,
  type EventStore,
  type RecordedEvent,
  WrongExpectedVersionError,
} from '../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';

const run = promisify(execFile);
const writerScript = fileURLToPath(new URL('../support/append-writer.ts', import.meta.url));

function checkLogInvariants(events: RecordedEvent[]) {
  // 1..N, no gap, no duplicate.
  expect(events.map((event) => event.position)).toEqual(events.map((_, index) => index + 1));
  expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  // Each stream's versions are 1..n, and log order agrees with stream order.
  const byStream = new Map<string, number[]>();
  for (const event of events) {
    const key = `${event.stream.category}/${event.stream.id}`;
    byStream.set(key, [...(byStream.get(key) ?? []), event.version]);
  }
  for (const streamVersions of byStream.values()) {
    expect(streamVersions).toEqual(streamVersions.map((_, index) => index + 1));
  }
  return byStream;
}

describe('concurrent appends', () => {
  test('30 appends with the same expected version from three store instances: exactly one wins', async () => {
    const prefix = uniquePrefix('race');
    const stores = await Promise.all([1, 2, 3].map(() => createTestStore(prefix).then((made) => made.store)));
    const tenant = uniqueTenant();
    const ref = { name: 'contested' };
    await stores[0]!
      .forTenant(tenant)
      .append({ stream: ref, expectedVersion: 0, events: [{ type: 'Opened', data: 0 }] });

    const attempts = Array.from({ length: 30 }, (_, index) =>
      stores[index % 3]!.forTenant(tenant).append({
        stream: ref,
        expectedVersion: 1,
        events: [
          { id: randomUUID(), type: 'Claimed', data: { by: index } },
          { id: randomUUID(), type: 'Confirmed', data: { by: index } },
        ],
      }),
    );
    const outcomes = await Promise.allSettled(attempts);
    const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
    expect(winners.length).toBe(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect(outcome.reason).toMatchObject({ expectedVersion: 1, actualVersion: 3 });
      }
    }
    const stored = (await stores[1]!.forTenant(tenant).readStream(ref)).edges.map((edge) => edge.node);
    expect(stored.map((event) => [event.version, event.type])).toEqual([
      [1, 'Opened'],
      [2, 'Claimed'],
      [3, 'Confirmed'],
    ]);
    expect(stored[1]?.data).toEqual({ by: winners[0] });
    const events = await readWholeLog(stores[2]!.forTenant(tenant));
    checkLogInvariants(events);
    expect(events.length).toBe(3);
  });

  test('many writers on many streams in one store: group commit loses, duplicates and reorders nothing', async () => {
    const { store } = await createTestStore(uniquePrefix('group'));
    const tenant = store.forTenant(uniqueTenant());
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        tenant.append({ stream: { name: `g${index % 25}` }, events: [{ type: 'G', data: index }] }),
      ),
    );
    const acknowledged = results.flatMap((result) => result.events.map((event) => event.id));
    const events = await readWholeLog(tenant);
    checkLogInvariants(events);
    expect(events.map((event) => event.id).sort()).toEqual([...acknowledged].sort());
  });

  test('two writer processes and an in-process store on shared streams: the log is 1..N, streams 1..n', async () => {
    const prefix = uniquePrefix('procs');
    const { store } = await createTestStore(prefix);
    const tenant = uniqueTenant();
    const endpoint = inject('dynamoEndpoint');
    const spawnWriter = (name: string) =>
      run(
        process.execPath,
        ['--import', 'tsx', writerScript, endpoint, prefix, tenant, name, '12', '15', '6'],
        {
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    const local = store.forTenant(tenant);
    const localWrites = Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        local.append({
          stream: { name: `s${(index % 6) * 2 + 1}` },
          events: [{ type: 'Local', data: index }],
        }),
      ),
    );
    const [one, two, localResults] = await Promise.all([spawnWriter('one'), spawnWriter('two'), localWrites]);
    const reports = [one, two].map(
      (output) =>
        JSON.parse(output.stdout.trim().split('\n').at(-1) ?? '{}') as {
          acknowledged: Array<{ id: string }>;
        },
    );
    const acknowledged = [
      ...reports.flatMap((report) => report.acknowledged.map((event) => event.id)),
      ...localResults.flatMap((result) => result.events.map((event) => event.id)),
    ];
    const events = await readWholeLog(storeFor(prefix).forTenant(tenant));
    const byStream = checkLogInvariants(events);
    // Everything acknowledged is stored exactly once, and nothing else is.
    expect(events.map((event) => event.id).sort()).toEqual([...acknowledged].sort());
    expect(byStream.size).toBe(12);
    // 2 processes x 6 writers x 15 appends of 1-3 events, plus 40 local appends.
    expect(reports.every((report) => report.acknowledged.length >= 90)).toBe(true);
  });
});

/** A store on an existing table, with its own client. */
function storeFor(prefix: string): EventStore {
  return createDynamoEventStore({ client: testClient(), tablePrefix: prefix });
}
