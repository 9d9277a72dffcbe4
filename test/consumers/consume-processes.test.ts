/**
 * Durable consumers across gateway processes: two `src/main.ts` processes on one DynamoDB Local
 * table, `consume` subscriptions over graphql-ws, each client acknowledging every event it
 * receives with ackEvents over HTTP to the gateway that delivered it (maxInFlight 3, so delivery
 * waits on acks). The rules are the consumers part's header: at most one subscription of a
 * consumer receives events at a time, across gateways; another takes over from the checkpoint
 * within 2 s after the active subscription ends, within 15 s after its gateway dies; nothing at
 * or before the saved checkpoint comes again, which is saved at least once a second while it
 * moves (and when the subscription ends).
 *
 * What a duplicate may be, precisely. Let C(t) be the highest selected position such that it and
 * every selected position before it had its ackEvents answered by time t. A subscription ended by
 * its client at t saves its checkpoint before it releases the lease, so after that handover only
 * positions above C(t) may come again. A gateway killed at t saved its checkpoint at least once a
 * second before, so after that handover only positions above C(t - 1 s - one DynamoDB write) may
 * come again, and none at or before a checkpoint read back from DynamoDB before the kill.
 *
 * Also: the saved checkpoint reaches the head, even when the last events are ones the filter
 * skips; a reset from the other gateway has the holder deliver again from the reset point (it
 * learns of the new generation at its next renewal, or at once from a refused checkpoint write);
 * a delete from the other gateway completes the holder's subscription within 3 s. Figures (takeover
 * times, duplicates) are printed on one line per test.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AckEventsDocument,
  AppendEventsDocument,
  ConsumeDocument,
  ConsumerDocument,
  type ConsumeSubscription,
  CreateConsumerDocument,
  DeleteConsumerDocument,
  HeadDocument,
  ResetConsumerDocument,
} from '../generated/graphql.js';
import { uniquePrefix } from '../support/dynamo.js';
import {
  type GatewayProcess,
  graphqlData,
  killGatewayProcesses,
  startGatewayProcess,
} from '../support/gateway-process.js';
import { useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'consume-processes-key-0123456789';
const tenant = 'consume-procs';
const maxInFlight = 3;
/** The consumers select this category; every round also appends an event of another one. */
const selectedCategory = 'order';
/** A kill may lose the checkpoint saves of the last second, and of one write in progress. */
const unsavedAfterKillMs = 1_000 + 500;
const clients = useSubscriptionClients();
let gateways: GatewayProcess[] = [];

beforeAll(async () => {
  const env = { EVENTLOOM_API_KEYS: `${key}=${tenant}` };
  const tablePrefix = uniquePrefix('consume');
  gateways = await Promise.all([0, 1].map(() => startGatewayProcess({ env, tablePrefix })));
}, 120_000);
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  killGatewayProcesses();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const call = <TData, TVariables>(
  gateway: GatewayProcess,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> => graphqlData(gateway.url, document, variables, key);

async function head(gateway: GatewayProcess): Promise<number> {
  return (await call(gateway, HeadDocument, {})).head;
}

async function savedCheckpoint(gateway: GatewayProcess, name: string): Promise<number> {
  const { consumer } = await call(gateway, ConsumerDocument, { name });
  if (!consumer) throw new Error(`consumer ${name} not found`);
  return consumer.checkpoint;
}

/** The saved checkpoint reaches `position` within 5 s (it is saved at least once a second). */
async function waitForCheckpoint(gateway: GatewayProcess, name: string, position: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  let checkpoint = await savedCheckpoint(gateway, name);
  while (checkpoint < position && Date.now() < deadline) {
    await sleep(100);
    checkpoint = await savedCheckpoint(gateway, name);
  }
  expect(checkpoint, 'the saved checkpoint once everything is acknowledged').toBe(position);
}

async function createConsumer(gateway: GatewayProcess, name: string): Promise<number> {
  const input = { name, filter: { categories: [selectedCategory] } };
  const { createConsumer } = await call(gateway, CreateConsumerDocument, { input });
  if (createConsumer.__typename !== 'ConsumerSuccess') throw new Error(JSON.stringify(createConsumer));
  return createConsumer.consumer.checkpoint;
}

/** One round: three selected events on a stream of their own, one event not selected. Returns the selected positions. */
async function appendRound(gateway: GatewayProcess, round: string): Promise<number[]> {
  const selected = await call(gateway, AppendEventsDocument, {
    input: {
      stream: { name: `o-${round}`, category: selectedCategory },
      events: [0, 1, 2].map((index) => ({ type: 'Placed', data: { round, index } })),
    },
  });
  if (selected.appendEvents.__typename !== 'AppendEventsSuccess') {
    throw new Error(JSON.stringify(selected.appendEvents));
  }
  await appendSkipped(gateway, round);
  return selected.appendEvents.events.map((event) => event.position);
}

/** An event the consumers' filter does not select; returns its position. */
async function appendSkipped(gateway: GatewayProcess, round: string): Promise<number> {
  const { appendEvents } = await call(gateway, AppendEventsDocument, {
    input: { stream: { name: 'noise', category: 'note' }, events: [{ type: 'Noted', data: { round } }] },
  });
  if (appendEvents.__typename !== 'AppendEventsSuccess') throw new Error(JSON.stringify(appendEvents));
  return appendEvents.events[0]!.position;
}

/**
 * Rounds appended one after another, through the gateways in turn, `pauseMs` apart (so that
 * delivery goes on for a while); resolves with every selected position.
 */
async function appendRounds(
  through: GatewayProcess[],
  label: string,
  rounds: number,
  pauseMs = 0,
): Promise<number[]> {
  const positions: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && pauseMs > 0) await sleep(pauseMs);
    positions.push(...(await appendRound(through[round % through.length]!, `${label}-${round}`)));
  }
  return positions;
}

/** When each position's ackEvents was first answered (ConsumerSuccess), across all subscriptions. */
class AckBook {
  private readonly answers = new Map<number, number>();
  private readonly pending = new Set<Promise<void>>();

  /** Acknowledges over HTTP to the gateway that delivered; a dead gateway's acks just fail. */
  ack(gateway: GatewayProcess, consumer: string, position: number): void {
    const sent = call(gateway, AckEventsDocument, { input: { consumer, positions: [position] } })
      .then(({ ackEvents }) => {
        if (ackEvents.__typename !== 'ConsumerSuccess') return;
        if (!this.answers.has(position)) this.answers.set(position, Date.now());
      })
      .catch(() => undefined)
      .finally(() => this.pending.delete(sent));
    this.pending.add(sent);
  }

  answeredAt(position: number): number | undefined {
    return this.answers.get(position);
  }

  /** C(t): the highest of `selected` (ascending) up to which every position's ack was answered by `at`. */
  prefixAt(selected: readonly number[], start: number, at: number): number {
    let prefix = start;
    for (const position of selected) {
      const answered = this.answers.get(position);
      if (answered === undefined || answered > at) break;
      prefix = position;
    }
    return prefix;
  }

  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

interface Receipt {
  readonly position: number;
  readonly attempt: number;
  readonly at: number;
}

interface Consuming {
  readonly label: string;
  readonly receipts: Receipt[];
  /** GraphQL errors, in a `next` payload or an `error` message. */
  readonly errors: GraphQLFormattedError[];
  /** How and when the server ended the subscription (or its socket closed). */
  readonly end: () => { how: 'complete' | 'error'; at: number; error?: unknown } | undefined;
  readonly positions: () => number[];
  /** Unsubscribes (graphql-ws `complete`); returns the time it was sent. */
  unsubscribe(): number;
}

/** A `consume` subscription on its own connection to `gateway`, acknowledging each event on receipt. */
function consume(label: string, gateway: GatewayProcess, consumer: string, acks: AckBook): Consuming {
  const receipts: Receipt[] = [];
  const errors: GraphQLFormattedError[] = [];
  let end: ReturnType<Consuming['end']>;
  const { client } = clients.ws(gateway.url, { key });
  const stop = client.subscribe<ConsumeSubscription>(
    { query: print(ConsumeDocument), variables: { consumer, maxInFlight } },
    {
      next(value) {
        if (value.errors) errors.push(...value.errors);
        if (!value.data) return;
        const { event, attempt } = value.data.consume;
        receipts.push({ position: event.position, attempt, at: Date.now() });
        acks.ack(gateway, consumer, event.position);
      },
      error(error) {
        if (Array.isArray(error)) errors.push(...(error as GraphQLFormattedError[]));
        end ??= { how: 'error', at: Date.now(), error };
      },
      complete() {
        end ??= { how: 'complete', at: Date.now() };
      },
    },
  );
  return {
    label,
    receipts,
    errors,
    end: () => end,
    positions: () => receipts.map((receipt) => receipt.position),
    unsubscribe() {
      const at = Date.now();
      stop();
      return at;
    },
  };
}

/** Each subscription receives first deliveries in position order, each once, attempt 1 (acks come in time). */
function expectOrderedOnce(subscription: Consuming): void {
  const positions = subscription.positions();
  expect(positions, subscription.label).toEqual([...new Set(positions)].sort((a, b) => a - b));
  expect(new Set(subscription.receipts.map((receipt) => receipt.attempt)), subscription.label).toEqual(
    new Set(positions.length > 0 ? [1] : []),
  );
}

describe('consume across gateway processes', () => {
  // First, while both gateways live (the next test kills one).
  test('a reset and a delete from gateway 2 race an active delivery on gateway 1', async () => {
    const [one, two] = gateways as [GatewayProcess, GatewayProcess];
    const name = 'raced';
    await createConsumer(two, name);
    const acks = new AckBook();
    const holder = consume('holder on gateway 1', one, name, acks);
    await sleep(500);

    // Reset to after the fifth selected event while events still flow.
    const appendingBeforeReset = appendRounds([two], 'reset', 12, 50);
    await until(() => holder.receipts.length >= 15, '15 events before the reset', 20_000);
    const deliveredBeforeReset = Math.max(...holder.positions());
    const [resetPoint] = holder.positions().slice(4, 5) as [number];
    const resetSentAt = Date.now();
    const { resetConsumer } = await call(two, ResetConsumerDocument, {
      input: { consumer: name, after: resetPoint },
    });
    const resetAt = Date.now();
    expect(resetConsumer).toMatchObject({
      __typename: 'ConsumerSuccess',
      consumer: { checkpoint: resetPoint },
    });
    const resetSelected = await appendingBeforeReset;
    const afterReset = () => holder.receipts.filter((receipt) => receipt.at > resetAt);
    await until(
      () => resetSelected.every((p) => p <= resetPoint || afterReset().some((r) => r.position === p)),
      'every selected event after the reset point delivered again',
      10_000,
    );
    const again = afterReset().filter((receipt) => receipt.position <= deliveredBeforeReset);
    const redeliveryAfterResetMs = again[0]!.at - resetSentAt;
    // The holder sees the new generation at its next renewal (every 2 s), then loads again.
    expect(redeliveryAfterResetMs).toBeLessThanOrEqual(4_000);
    expect(again.map((receipt) => receipt.attempt)).toEqual(again.map(() => 1));
    expect(
      afterReset().filter((receipt) => receipt.position <= resetPoint),
      'nothing at or before the reset point',
    ).toEqual([]);
    // Delivery is idle now; an event the filter skips still moves the checkpoint to the head.
    await waitForCheckpoint(two, name, await appendSkipped(two, 'after-reset'));

    // Delete while events flow: the subscription on gateway 1 completes.
    const receivedBeforeDelete = holder.receipts.length;
    const appendingBeforeDelete = appendRounds([two], 'delete', 12, 100);
    await until(() => holder.receipts.length >= receivedBeforeDelete + 9, 'events before the delete', 20_000);
    const { deleteConsumer } = await call(two, DeleteConsumerDocument, { name });
    const deletedAt = Date.now();
    expect(deleteConsumer).toEqual({ __typename: 'DeleteConsumerSuccess', name });
    await until(() => holder.end() !== undefined, 'the holder to complete after the delete', 10_000);
    const completedAfterDeleteMs = holder.end()!.at - deletedAt;
    expect(holder.end()?.how).toBe('complete');
    expect(completedAfterDeleteMs).toBeLessThanOrEqual(3_000);
    // Until the holder learns of the delete (a refused checkpoint write, or its renewal) it may still deliver.
    const deliveredAfterDelete = holder.receipts.filter((receipt) => receipt.at > deletedAt).length;
    await appendingBeforeDelete;
    // The holder's last writes (checkpoint, release) did not bring the consumer back.
    await sleep(500);
    expect((await call(one, ConsumerDocument, { name })).consumer).toBeNull();
    const late = consume('late on gateway 1', one, name, acks);
    await until(() => late.end() !== undefined, 'consume of the deleted consumer to end', 5_000);
    // An error at once (graphql-ws carries it in a `next` payload, then completes).
    expect(late.errors.map((error) => error.extensions?.code)).toEqual(['CONSUMER_NOT_FOUND']);
    expect(late.receipts).toEqual([]);
    console.log(
      `consume reset and delete: ${JSON.stringify({ redeliveryAfterResetMs, completedAfterDeleteMs, deliveredAfterDelete })}`,
    );
    await acks.settled();
  }, 40_000);

  test('exclusive delivery, takeover after unsubscribe and after SIGKILL, nothing lost, duplicates only after the checkpoint', async () => {
    const [one, two] = gateways as [GatewayProcess, GatewayProcess];
    const name = 'handover';
    const start = await createConsumer(one, name);
    const acks = new AckBook();
    const onOne = consume('on gateway 1', one, name, acks);
    const onTwo = consume('on gateway 2', two, name, acks);
    // Both sessions are set up (one holds the lease, the other waits) before anything is appended.
    await sleep(500);

    // 1. Sixty selected events through both gateways while both subscriptions live.
    const appendingFirst = appendRounds([one, two], 'first', 20);
    await until(() => onOne.receipts.length + onTwo.receipts.length >= 25, 'the first 25 events', 20_000);
    const [first, second] = onOne.receipts.length > 0 ? [onOne, onTwo] : [onTwo, onOne];
    // The first holder's gateway lives on; the second holder's is killed in step 3.
    const livingGateway = first === onOne ? one : two;
    const killedGateway = first === onOne ? two : one;
    expect(second.receipts, 'the waiting subscription while the first one lives').toEqual([]);

    // 2. The first subscription ends mid-stream: the waiting one takes over within 2 s.
    const unsubscribedAt = first.unsubscribe();
    const firstSelected = await appendingFirst;
    expect(first.positions().length, 'unsubscribed mid-stream').toBeLessThan(firstSelected.length);
    await until(() => second.receipts.length > 0, 'the takeover after unsubscribe', 10_000);
    const takeoverAfterUnsubscribeMs = second.receipts[0]!.at - unsubscribedAt;
    expect(takeoverAfterUnsubscribeMs).toBeLessThanOrEqual(2_500);
    await until(
      () => firstSelected.every((p) => first.positions().includes(p) || second.positions().includes(p)),
      'every selected event of the first round received by someone',
      20_000,
    );

    // 3. A third subscription waits on the gateway that is not delivering; the delivering one is killed.
    const third = consume('third, on the gateway that lives on', livingGateway, name, acks);
    await sleep(500);
    const polled: { at: number; checkpoint: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const checkpoint = await savedCheckpoint(livingGateway, name).catch(() => undefined);
        if (checkpoint !== undefined) polled.push({ at: Date.now(), checkpoint });
        await sleep(100);
      }
    })();
    const beforeSecond = second.positions().length;
    // Paced so that the checkpoint is saved (once a second) several times before the kill.
    const appendingSecond = appendRounds([livingGateway], 'second', 20, 100);
    await until(
      () => second.positions().length >= beforeSecond + 45,
      '45 events of the second round',
      20_000,
    );
    process.kill(killedGateway.pid, 'SIGKILL');
    const killedAt = Date.now();
    expect(third.receipts, 'the subscription waiting while the other gateway lives').toEqual([]);
    await until(() => third.receipts.length > 0, 'the takeover after SIGKILL', 20_000);
    const takeoverAfterKillMs = third.receipts[0]!.at - killedAt;
    expect(takeoverAfterKillMs).toBeLessThanOrEqual(15_000);
    const secondSelected = await appendingSecond;
    const selected = [...firstSelected, ...secondSelected];
    const everyone = [first, second, third];
    const receivedBySomeone = (position: number) => everyone.some((s) => s.positions().includes(position));
    await until(() => selected.every(receivedBySomeone), 'every selected event received by someone', 20_000);

    // 4. The whole history.
    await waitForCheckpoint(livingGateway, name, await head(livingGateway));
    // Delivery is idle now; an event the filter skips still moves the checkpoint to the head.
    await waitForCheckpoint(livingGateway, name, await appendSkipped(livingGateway, 'trailing'));
    polling = false;
    await poller;

    for (const subscription of everyone) expectOrderedOnce(subscription);
    // Never two subscriptions receiving at once: each holder's receipts lie between the handovers.
    expect(Math.max(...first.receipts.map((r) => r.at))).toBeLessThanOrEqual(unsubscribedAt);
    expect(Math.min(...second.receipts.map((r) => r.at))).toBeGreaterThan(unsubscribedAt);
    expect(Math.max(...second.receipts.map((r) => r.at))).toBeLessThan(third.receipts[0]!.at);
    expect(Math.min(...third.receipts.map((r) => r.at))).toBeGreaterThan(killedAt);

    // Duplicates only after the checkpoint of each handover.
    const afterUnsubscribe = acks.prefixAt(selected, start, unsubscribedAt);
    const duplicatedAtUnsubscribe = second.positions().filter((p) => first.positions().includes(p));
    for (const p of duplicatedAtUnsubscribe) expect(p).toBeGreaterThan(afterUnsubscribe);
    const savedBeforeKill = polled.filter((poll) => poll.at < killedAt).at(-1)?.checkpoint ?? start;
    const afterKill = Math.max(
      acks.prefixAt(selected, start, killedAt - unsavedAfterKillMs),
      savedBeforeKill,
    );
    const earlier = new Set([...first.positions(), ...second.positions()]);
    const duplicatedAtKill = third.positions().filter((p) => earlier.has(p));
    for (const p of duplicatedAtKill) expect(p).toBeGreaterThan(afterKill);
    // How long before the kill the first event delivered again had its ack answered (negative: after, or never).
    const firstDuplicate = duplicatedAtKill[0];
    const firstDuplicateAckedBeforeKillMs =
      firstDuplicate === undefined ? null : killedAt - (acks.answeredAt(firstDuplicate) ?? killedAt);
    const union = new Set(everyone.flatMap((s) => s.positions()));
    expect([...union].sort((a, b) => a - b)).toEqual(selected);

    console.log(
      `consume across processes: ${JSON.stringify({
        takeoverAfterUnsubscribeMs,
        takeoverAfterKillMs,
        duplicatedAtUnsubscribe,
        checkpointAtUnsubscribe: afterUnsubscribe,
        duplicatedAtKill,
        checkpointSavedBeforeKill: savedBeforeKill,
        firstDuplicateAckedBeforeKillMs,
        received: everyone.map((s) => s.receipts.length),
      })}`,
    );
    third.unsubscribe();
    await acks.settled();
  }, 60_000);
});
