// The relay's test pieces: a webhook receiver on 127.0.0.1 (real HTTP) that records every request
// and answers what the test says, and a "gateway" on DynamoDB Local (its own client, event store,
// hub, consumer store, ConsumerSessions and WebhookRelay), several of which may share a table.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookConfig } from '../../src/config/webhooks.js';
import { ConsumerSessions } from '../../src/consumers/index.js';
import type { WebhookPayload } from '../../src/outbox/payload.js';
import { type RelayErrorWhere, type WebhookOutcome, WebhookRelay } from '../../src/outbox/relay.js';
import {
  verifyWebhookSignature,
  webhookDeliveryHeader,
  webhookSignatureHeader,
} from '../../src/outbox/signature.js';
import { createDynamoConsumerStore, type EventStore } from '../../src/store/index.js';
import { SubscriptionHub } from '../../src/subscriptions/index.js';
import { createTestStore, testClient } from '../support/dynamo.js';

export const secret = 'whsec-relay-test-3d9a';

export interface ReceivedRequest {
  /** Date.now() when the body had arrived. */
  readonly at: number;
  readonly deliveryId: string | undefined;
  readonly signed: boolean;
  readonly contentType: string | undefined;
  readonly body: WebhookPayload;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** The positions of every request, in arrival order. */
  positions(): number[];
  close(): Promise<void>;
}

/** Answers each request with the status `answer` returns (default 200); null: never answers. */
export async function startReceiver(
  answer: (request: ReceivedRequest, index: number) => number | null = () => 200,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const received: ReceivedRequest = {
        at: Date.now(),
        deliveryId: header(webhookDeliveryHeader),
        signed: verifyWebhookSignature(raw, secret, header(webhookSignatureHeader)),
        contentType: header('content-type'),
        body: JSON.parse(raw.toString('utf8')) as WebhookPayload,
      };
      requests.push(received);
      const status = answer(received, requests.length - 1);
      if (status === null) return;
      response.statusCode = status;
      response.end();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    positions: () => requests.flatMap((request) => request.body.events.map((event) => event.position)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const loopbackAllowed: WebhookConfig = { retryBaseMs: 20, allowedHosts: ['127.0.0.1'] };

export interface Outcome {
  readonly tenant: string;
  readonly consumer: string;
  readonly outcome: WebhookOutcome;
  readonly events: number;
}

export interface RelayGateway {
  readonly store: EventStore;
  readonly consumers: ReturnType<typeof createDynamoConsumerStore>;
  readonly relay: WebhookRelay;
  readonly errors: Array<{ error: unknown; where: RelayErrorWhere }>;
  readonly outcomes: Outcome[];
  /** Stops the relay, then the hub and the store. */
  close(): Promise<void>;
}

/** One gateway on the table `tablePrefix` (created if needed); its relay is not started. */
export async function relayGateway(
  tablePrefix: string,
  settings: WebhookConfig = loopbackAllowed,
): Promise<RelayGateway> {
  const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 100 } });
  const client = testClient();
  const { store } = await createTestStore(tablePrefix, { client, observer: hub.observer });
  const consumers = createDynamoConsumerStore({ client, tablePrefix });
  const errors: RelayGateway['errors'] = [];
  const outcomes: Outcome[] = [];
  const relay = new WebhookRelay({
    consumers,
    events: (tenant) => store.forTenant(tenant),
    hub,
    sessions: new ConsumerSessions(),
    settings,
    onError: (error, where) => errors.push({ error, where }),
    onDelivery: (tenant, consumer, outcome, events) => outcomes.push({ tenant, consumer, outcome, events }),
  });
  return {
    store,
    consumers,
    relay,
    errors,
    outcomes,
    close: async () => {
      await relay.stop();
      await hub.close();
      await store.close();
      client.destroy();
    },
  };
}

/** Appends `count` events to one stream in one transaction; their positions, in order. */
export async function appendEvents(
  store: EventStore,
  tenant: string,
  count: number,
  from = 1,
): Promise<number[]> {
  const result = await store.forTenant(tenant).append({
    stream: { name: `orders-${from}`, category: 'orders' },
    events: Array.from({ length: count }, (_, index) => ({ type: 'Placed', data: { n: from + index } })),
  });
  return result.events.map((event) => event.position);
}

/** Reads every 50 ms until `accept` holds, and returns that value; fails after `timeoutMs` with the last one. */
export async function readUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last read: ${JSON.stringify(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
