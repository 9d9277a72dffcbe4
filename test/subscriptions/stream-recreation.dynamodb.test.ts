// streamEvents over DynamoDB Local when the stream is deleted and created again while a slow
// subscriber is still reading its history: after the part of the old stream it got, the
// subscriber gets the new stream from version 1, all of it, in order.
import { afterAll, expect, test } from 'vitest';
import type { RecordedEvent, TenantEventStore } from '../../src/store/index.js';
import { SubscriptionHub } from '../../src/subscriptions/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { sleep, take } from './helpers.js';

const prefix = uniquePrefix('recreate');
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Versions of the old stream, and of the new one, which has fewer. */
const oldVersions = 400;
const newVersions = 350;

async function fill(store: TenantEventStore, name: string, type: string, incarnation: number, count: number) {
  for (let from = 0; from < count; from += 30) {
    await store.append({
      stream: { name },
      events: Array.from({ length: Math.min(30, count - from) }, (_, k) => ({
        type,
        data: { incarnation, n: from + k + 1 },
      })),
    });
  }
}

/** "Old 1..200, New 201..350": what a subscriber got, as runs of consecutive versions. */
function runs(events: readonly RecordedEvent[]): string {
  const parts: string[] = [];
  let start: RecordedEvent | undefined;
  let last: RecordedEvent | undefined;
  for (const event of [...events, undefined]) {
    if (event && last && event.type === last.type && event.version === last.version + 1) {
      last = event;
      continue;
    }
    if (start && last) parts.push(`${start.type} ${start.version}..${last.version}`);
    start = event;
    last = event;
  }
  return parts.join(', ') || 'nothing';
}

test('a slow streamEvents subscriber gets the re-created stream from version 1 after the old one', async () => {
  // The subscribing gateway: a hub fed by its store's commits, and polling.
  const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 100 } });
  const client = testClient();
  const { store } = await createTestStore(prefix, { client, observer: hub.observer });
  // Another gateway deletes and re-creates the stream.
  const other = await createTestStore(prefix);
  cleanups.push(async () => {
    await hub.close();
    for (const gateway of [{ store, client }, other]) {
      await gateway.store.close();
      gateway.client.destroy();
    }
  });
  const tenant = uniqueTenant('recreate');
  const subscriberStore = store.forTenant(tenant);
  const writer = other.store.forTenant(tenant);
  const name = 'phoenix';
  await fill(writer, name, 'Old', 1, oldVersions);

  const subscription = await hub.streamEvents(subscriberStore, { stream: { name }, afterVersion: 0 });
  const received = await take(subscription, 10, 10_000);
  // The consumer pauses; the subscription reads ahead as far as its buffer lets it.
  let buffered = -1;
  for (let waited = 0; waited < 5000; waited += 300) {
    const now = hub.tenantStats(tenant)?.bufferedEvents ?? 0;
    if (now === buffered) break;
    buffered = now;
    await sleep(300);
  }

  await writer.deleteStream({ name });
  await fill(writer, name, 'New', 2, newVersions);

  // Consume everything until the new stream's last version arrives, then a little longer.
  // One pull at a time: a pull abandoned on a timeout would swallow the event it gets.
  let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
  const pull = async (ms: number): Promise<RecordedEvent | 'ended' | 'timeout'> => {
    pending ??= subscription.next();
    const result = await Promise.race([pending, sleep(ms).then(() => 'timeout' as const)]);
    if (result === 'timeout') return result;
    pending = undefined;
    return result.done ? 'ended' : result.value;
  };
  const deadline = Date.now() + 20_000;
  let last: RecordedEvent | 'ended' | 'timeout' | undefined;
  while (!received.some((event) => event.type === 'New' && event.version === newVersions)) {
    last = await pull(Math.max(1, deadline - Date.now()));
    if (last === 'ended' || last === 'timeout') break;
    received.push(last);
  }
  while (last !== 'ended' && last !== 'timeout') {
    last = await pull(300);
    if (last !== 'ended' && last !== 'timeout') received.push(last);
  }
  await subscription.return();

  const old = received.filter((event) => event.type === 'Old');
  const reborn = received.filter((event) => event.type === 'New');
  const stored = (await writer.readStream({ name }, { first: 1000 })).edges.map((edge) => edge.node);
  const explanation =
    `the subscriber got ${runs(received)} (buffered ${buffered} while paused); ` +
    `the re-created stream holds ${runs(stored)}`;
  // A prefix of the old stream, in order, then the new stream: every version from 1, in order,
  // each once (runs() shows a gap, a repeat or a step back as a new run).
  expect(runs(received), explanation).toBe(`Old 1..${old.length}, New 1..${newVersions}`);
  expect(old.length, explanation).toBeGreaterThanOrEqual(10);
  expect(
    reborn.map((event) => event.id),
    explanation,
  ).toEqual(stored.map((event) => event.id));
}, 60_000);
