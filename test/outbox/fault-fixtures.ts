// The pieces of the relay's fault tests (relay-faults.test.ts): gateway processes on one table,
// a webhook receiver that fails at random and can hold a request (so that its sender can be
// killed mid-batch), a writer appending steadily through whichever gateways are up (retrying
// an append with the same event ids elsewhere, so each is stored once), a sampler of the
// consumer's saved checkpoint, and the checks of a receiver's whole history.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookPayload } from '../../src/outbox/payload.js';
import {
  verifyWebhookSignature,
  webhookDeliveryHeader,
  webhookSignatureHeader,
} from '../../src/outbox/signature.js';
import { type GatewayProcess, graphqlPost, scrape } from '../support/gateway-process.js';
import { seededRandom } from '../support/random.js';
import { secret, sleep } from './relay-fixtures.js';

export const apiKey = 'relay-faults-key-0123456789abcdef';

/** The environment of every gateway of these tests: one tenant's key, loopback webhooks, fast retries. */
export function gatewayEnv(tenant: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    EVENTLOOM_API_KEYS: `${apiKey}=${tenant}`,
    EVENTLOOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    EVENTLOOM_WEBHOOK_RETRY_BASE_MS: '50',
    ...extra,
  };
}

/** A GraphQL call through `gateway` that must answer 200 without errors; its `data`. */
export async function gql<T>(
  gateway: GatewayProcess,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const result = await graphqlPost(gateway.url, { query, variables }, { key: apiKey });
  if (result.status !== 200 || result.body?.errors || !result.body?.data)
    throw new Error(`${gateway.url}: HTTP ${result.status}: ${result.text.slice(0, 500)}`);
  return result.body.data as T;
}

const createConsumerMutation = `mutation ($input: CreateConsumerInput!) {
  createConsumer(input: $input) { __typename ... on Error { message } }
}`;

export async function createConsumer(gateway: GatewayProcess, input: Record<string, unknown>): Promise<void> {
  const data = await gql<{ createConsumer: { __typename: string; message?: string } }>(
    gateway,
    createConsumerMutation,
    { input },
  );
  if (data.createConsumer.__typename !== 'ConsumerSuccess')
    throw new Error(`createConsumer: ${JSON.stringify(data.createConsumer)}`);
}

export interface ConsumerReading {
  readonly checkpoint: number;
  readonly parked: ReadonlyArray<{ position: number; attempts: number; reason: string | null }>;
}

const consumerQuery = `query ($name: String!) {
  consumer(name: $name) {
    checkpoint
    parked(first: 100) { edges { node { event { position } attempts reason } } }
  }
}`;

/** Query.consumer: the saved checkpoint (read from DynamoDB by the gateway) and the parked events. */
export async function readConsumer(gateway: GatewayProcess, name: string): Promise<ConsumerReading> {
  const data = await gql<{
    consumer: {
      checkpoint: number;
      parked: {
        edges: Array<{ node: { event: { position: number }; attempts: number; reason: string | null } }>;
      };
    } | null;
  }>(gateway, consumerQuery, { name });
  if (!data.consumer) throw new Error(`consumer ${name} not found`);
  return {
    checkpoint: data.consumer.checkpoint,
    parked: data.consumer.parked.edges.map(({ node }) => ({
      position: node.event.position,
      attempts: node.attempts,
      reason: node.reason,
    })),
  };
}

const logQuery = `query ($after: Position) {
  events(after: $after, first: 1000) { edges { node { id position } } lastPosition }
}`;

/** The tenant's whole log: id and position of every event, in order. */
export async function readLog(gateway: GatewayProcess): Promise<Array<{ id: string; position: number }>> {
  const events: Array<{ id: string; position: number }> = [];
  for (let after = 0; ; ) {
    const data = await gql<{
      events: { edges: Array<{ node: { id: string; position: number } }>; lastPosition: number };
    }>(gateway, logQuery, { after });
    events.push(...data.events.edges.map(({ node }) => node));
    if (data.events.lastPosition === after) return events;
    after = data.events.lastPosition;
  }
}

/** This gateway's `eventloom_consumer_lease_held` for the consumer: 1 while it delivers it. */
export function leaseHeld(gateway: GatewayProcess, consumer: string): Promise<number> {
  return scrape(gateway.metricsUrl, 'eventloom_consumer_lease_held', { consumer });
}

/** The one gateway among `gateways` whose metrics say it holds the consumer's lease. */
export async function holderOf(
  gateways: readonly GatewayProcess[],
  consumer: string,
  timeoutMs = 15_000,
): Promise<GatewayProcess> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await Promise.all(gateways.map((gateway) => leaseHeld(gateway, consumer)));
    const holders = gateways.filter((_, index) => held[index] === 1);
    if (holders.length === 1 && held.every((value) => value <= 1)) return holders[0]!;
    if (Date.now() > deadline)
      throw new Error(`no single holder of ${consumer} after ${timeoutMs} ms: ${JSON.stringify(held)}`);
    await sleep(100);
  }
}

/** held: kept unanswered by the test (until its sender gives up, or the test drops it). */
export type ReceiptOutcome = 'ok' | 'http 500' | 'dropped' | 'held';

export interface Receipt {
  /** Date.now() when the body had arrived. */
  readonly at: number;
  readonly deliveryId: string | undefined;
  readonly signed: boolean;
  readonly positions: readonly number[];
  readonly ids: readonly string[];
  outcome: ReceiptOutcome;
  /** Date.now() when its connection closed (by either side). */
  closedAt?: number;
}

/**
 * A webhook receiver on 127.0.0.1 that fails `failRate` of the requests (half with a 500, half by
 * dropping the connection), chosen by a seeded generator. It records, at the moment it answers a
 * 2xx and before the answer leaves, which positions it acknowledged: what the consumer's saved
 * checkpoint may cover. It also counts requests outstanding at once: one relaying gateway sends
 * one batch at a time, so two at once mean two gateways relay.
 */
export class FlakyReceiver {
  readonly receipts: Receipt[] = [];
  /** position -> the event id acknowledged there, from its first 2xx. */
  readonly acknowledged = new Map<number, string>();
  /** Acknowledgements (2xx) of events acknowledged before: what a receiver deduplicates. */
  duplicateAcks = 0;
  maxOutstanding = 0;
  private outstanding = 0;
  private through = 0;
  private holding: ((receipt: Receipt) => void) | undefined;
  private readonly held: IncomingMessage[] = [];
  private readonly random: () => number;
  private server: Server | undefined;
  url = '';

  constructor(
    readonly seed: number,
    private readonly failRate = 0.3,
  ) {
    this.random = seededRandom(seed);
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => this.handle(request, response));
    this.server = server;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    this.url = `http://127.0.0.1:${port}/hook`;
    return this;
  }

  /** Every position from 1 up to this one has been acknowledged with a 2xx. */
  acknowledgedThrough(): number {
    while (this.acknowledged.has(this.through + 1)) this.through += 1;
    return this.through;
  }

  /** The next request is held unanswered (its sender can be killed mid-batch); resolves when it came. */
  holdNext(): Promise<Receipt> {
    return new Promise((resolve) => {
      this.holding = resolve;
    });
  }

  /** Drops the connections of held requests (their sender is gone, or should retry). */
  dropHeld(): void {
    for (const request of this.held.splice(0)) request.socket.destroy();
  }

  count(outcome: ReceiptOutcome): number {
    return this.receipts.filter((receipt) => receipt.outcome === outcome).length;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.dropHeld();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    let open = true;
    const settle = () => {
      if (!open) return;
      open = false;
      this.outstanding -= 1;
    };
    this.outstanding += 1;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    response.once('close', settle);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const receipt = this.record(request, Buffer.concat(chunks));
      request.socket.once('close', () => {
        receipt.closedAt = Date.now();
      });
      const hold = this.holding;
      if (hold) {
        this.holding = undefined;
        receipt.outcome = 'held';
        this.held.push(request);
        hold(receipt);
        return;
      }
      this.answer(receipt, request, response, settle);
    });
  }

  private record(request: IncomingMessage, raw: Buffer): Receipt {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const body = JSON.parse(raw.toString('utf8')) as WebhookPayload;
    const receipt: Receipt = {
      at: Date.now(),
      deliveryId: header(webhookDeliveryHeader),
      signed: verifyWebhookSignature(raw, secret, header(webhookSignatureHeader)),
      positions: body.events.map((event) => event.position),
      ids: body.events.map((event) => event.id),
      outcome: 'ok',
    };
    this.receipts.push(receipt);
    return receipt;
  }

  private answer(receipt: Receipt, request: IncomingMessage, response: ServerResponse, settle: () => void) {
    const roll = this.random();
    settle();
    if (roll < this.failRate / 2) {
      receipt.outcome = 'http 500';
      response.statusCode = 500;
      response.end();
    } else if (roll < this.failRate) {
      receipt.outcome = 'dropped';
      request.socket.destroy();
    } else {
      // Recorded before the answer leaves: the relay cannot have seen this 2xx any earlier.
      receipt.positions.forEach((position, index) => {
        if (this.acknowledged.has(position)) this.duplicateAcks += 1;
        else this.acknowledged.set(position, receipt.ids[index]!);
      });
      response.statusCode = 200;
      response.end();
    }
  }
}

const appendMutation = `mutation ($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    __typename
    ... on AppendEventsSuccess { events { id position } }
    ... on Error { message }
  }
}`;

/**
 * Appends `events` events over about `durationMs`, 1 to 3 per append, through the gateways
 * `targets()` names at the time (in turn). A failed append (a gateway killed or cut off from
 * DynamoDB) is sent again with the same event ids through the next one: stored once either way.
 */
export class SteadyWriter {
  /** Event id -> position, as the appends' answers said. */
  readonly stored = new Map<string, number>();
  retries = 0;

  constructor(private readonly targets: () => readonly GatewayProcess[]) {}

  async run(events: number, durationMs: number): Promise<void> {
    const started = Date.now();
    for (let written = 0, append = 0; written < events; append++) {
      const size = Math.min(1 + (append % 3), events - written);
      await this.append(append, size);
      written += size;
      await sleep(started + (durationMs * written) / events - Date.now());
    }
  }

  /** One append of `events` events through `gateway` now, beside the steady flow; its first position. */
  async appendThrough(gateway: GatewayProcess, events: number): Promise<number> {
    const positions = await this.append(-1, events, () => [gateway]);
    return positions[0]!;
  }

  private async append(
    index: number,
    size: number,
    targets: () => readonly GatewayProcess[] = this.targets,
  ): Promise<number[]> {
    const input = {
      stream: { name: `orders-${Math.abs(index) % 7}`, category: 'orders' },
      events: Array.from({ length: size }, (_, k) => ({
        id: randomUUID(),
        type: 'Placed',
        data: { index, k },
      })),
    };
    const deadline = Date.now() + 30_000;
    for (let attempt = 0; ; attempt++) {
      const through = targets();
      const gateway = through[Math.abs(index + attempt) % through.length]!;
      let failure: string;
      try {
        const result = await graphqlPost(
          gateway.url,
          { query: appendMutation, variables: { input } },
          { key: apiKey },
        );
        const answer = result.body?.data?.appendEvents as
          | { __typename: string; events?: Array<{ id: string; position: number }> }
          | undefined;
        if (answer?.__typename === 'AppendEventsSuccess' && answer.events) {
          for (const event of answer.events) this.stored.set(event.id, event.position);
          return answer.events.map((event) => event.position);
        }
        failure = result.text.slice(0, 300);
      } catch (error) {
        failure = String(error);
      }
      if (Date.now() > deadline) throw new Error(`append ${index} failed for 30 s: ${failure}`);
      this.retries += 1;
      await sleep(100);
    }
  }
}

export interface CheckpointSample {
  /** Date.now() when the read came back. */
  readonly at: number;
  readonly checkpoint: number;
  /** What the receiver (or client) had acknowledged through, at that moment. */
  readonly acknowledgedThrough: number;
}

export interface CheckpointSampler {
  readonly samples: CheckpointSample[];
  /** Reads that failed (e.g. the gateway read through went away meanwhile). */
  failures(): number;
  stop(): Promise<void>;
}

/**
 * Reads the saved checkpoint every `everyMs` (through `read`) and notes, when each read comes
 * back, what had been acknowledged through at that moment: a checkpoint above it passed an
 * event that was not acknowledged yet.
 */
export function sampleCheckpoints(
  read: () => Promise<number>,
  acknowledgedThrough: () => number,
  everyMs = 200,
): CheckpointSampler {
  const samples: CheckpointSample[] = [];
  let failed = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const checkpoint = await read();
        samples.push({ at: Date.now(), checkpoint, acknowledgedThrough: acknowledgedThrough() });
      } catch {
        failed += 1;
      }
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    failures: () => failed,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** The first position whose first receipt came before that of an earlier position; null when in order. */
export function firstDeliveryDisorder(receipts: readonly Receipt[]): string | null {
  const seen = new Set<number>();
  let highest = 0;
  for (const [index, receipt] of receipts.entries()) {
    for (const position of receipt.positions) {
      if (seen.has(position)) continue;
      seen.add(position);
      if (position < highest)
        return `request ${index} brought position ${position} for the first time, after ${highest}`;
      highest = position;
    }
  }
  return null;
}

/** The longest time without any request reaching the receiver between `from` and `to`. */
export function longestPause(receipts: readonly Receipt[], from: number, to: number): number {
  const times = [from, ...receipts.map((receipt) => receipt.at).filter((at) => at > from && at < to), to];
  let longest = 0;
  for (let index = 1; index < times.length; index++)
    longest = Math.max(longest, times[index]! - times[index - 1]!);
  return longest;
}

/**
 * Requests that carried a position at or below a checkpoint read back (saved) before they came:
 * a saved checkpoint's events are never delivered again.
 */
export function belowSavedCheckpoint(
  receipts: readonly Receipt[],
  samples: readonly CheckpointSample[],
): Array<{ at: number; positions: readonly number[]; saved: number }> {
  const found: Array<{ at: number; positions: readonly number[]; saved: number }> = [];
  for (const receipt of receipts) {
    let saved = 0;
    for (const sample of samples) if (sample.at < receipt.at) saved = Math.max(saved, sample.checkpoint);
    if (receipt.positions.some((position) => position <= saved))
      found.push({ at: receipt.at, positions: receipt.positions, saved });
  }
  return found;
}
