/**
 * No loss under load across gateway processes: two `src/main.ts` processes on the suite's
 * DynamoDB Local and one table prefix, writers appending through both at once, and
 * subscribers on both (from the head, from an old position, filtered, batched, filtered and
 * batched). Every subscriber must receive exactly the events of the final log that it selects,
 * each once, in position order: events appended through the other process arrive through
 * that subscriber's own poller.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { freePort } from '../../src/dynamodb/local.js';
import {
  AppendEventsDocument,
  type AppendEventsInput,
  type EventFilter,
  LogDocument,
  OnBatchPositionsDocument,
  OnPositionsDocument,
} from '../generated/graphql.js';
import { uniquePrefix } from '../support/dynamo.js';

import { type LiveSubscription, useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'processes-test-key-0123456789';
const tenant = 'procs';
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});
const clients = useSubscriptionClients();

interface Gateway {
  url: string;
  stop(): Promise<number | null>;
}

async function startGateway(tablePrefix: string): Promise<Gateway> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      EVENTLOOM_TABLE_PREFIX: tablePrefix,
      EVENTLOOM_API_KEYS: `${key}=${tenant}`,
      EVENTLOOM_METRICS_PORT: '0',
      EVENTLOOM_POLL_MIN_MS: '20',
      EVENTLOOM_POLL_MAX_MS: '200',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  // Up when /healthz answers (the tables exist by then).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${stderr}`);
    const healthy = await fetch(`${base}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `${base}/graphql`,
    stop() {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill('SIGTERM');
      return exit;
    },
  };
}

async function post<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: TData; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body.data;
}

describe('two gateway processes on one DynamoDB', () => {
  test('writers through both, subscribers on both: each receives exactly its events, in order', async () => {
    const tablePrefix = uniquePrefix('api');
    const gateways = await Promise.all([startGateway(tablePrefix), startGateway(tablePrefix)]);
    try {
      const append = (via: Gateway, input: AppendEventsInput) =>
        post(via.url, AppendEventsDocument, { input }).then(({ appendEvents }) => {
          if (appendEvents.__typename !== 'AppendEventsSuccess')
            throw new Error(JSON.stringify(appendEvents));
          return appendEvents;
        });
      const categories = ['order', 'payment', null] as const;
      const types = ['Placed', 'Paid', 'Shipped', 'Note'];
      const randomAppend = (seed: number): AppendEventsInput => ({
        stream: { name: `s-${seed % 9}`, category: categories[seed % 3] },
        events: Array.from({ length: 1 + (seed % 3) }, (_, k) => ({
          type: types[(seed + k) % 4]!,
          data: { seed, k },
        })),
      });

      // History: 30 events through the first gateway.
      for (let i = 0; i < 15; i++) await append(gateways[0]!, randomAppend(i));

      type Kind = {
        label: string;
        after?: number;
        filter?: EventFilter;
        batch?: { maxSize: number; maxWaitMs: number };
      };
      const kinds: Kind[] = [
        { label: 'from the head' },
        { label: 'from an old position', after: 10 },
        { label: 'filtered by category', after: 0, filter: { categories: ['order'] } },
        { label: 'filtered by type', after: 5, filter: { types: ['Paid', 'Shipped'] } },
        { label: 'batched', after: 3, batch: { maxSize: 7, maxWaitMs: 30 } },
        {
          label: 'filtered and batched',
          after: 0,
          filter: { categories: ['payment'] },
          batch: { maxSize: 5, maxWaitMs: 50 },
        },
      ];
      interface Subscriber {
        label: string;
        kind: Kind;
        /** Positions and ids received, in order; for batches also each checkpoint. */
        received: () => { id: string; position: number; type: string }[];
        checkpoints: () => number[];
        live: LiveSubscription<unknown>;
      }
      const subscribers: Subscriber[] = gateways.flatMap((gateway, g) => {
        const client = clients.ws(gateway.url, { key });
        return kinds.map((kind): Subscriber => {
          const variables = { after: kind.after, filter: kind.filter };
          if (kind.batch) {
            const live = client.subscribe(OnBatchPositionsDocument, { ...variables, ...kind.batch });
            return {
              label: `${kind.label} on gateway ${g + 1}`,
              kind,
              received: () => live.items.flatMap((item) => item.eventBatches.events),
              checkpoints: () => live.items.map((item) => item.eventBatches.checkpoint),
              live,
            };
          }
          const live = client.subscribe(OnPositionsDocument, variables);
          return {
            label: `${kind.label} on gateway ${g + 1}`,
            kind,
            received: () => live.items.map((item) => item.events),
            checkpoints: () => [],
            live,
          };
        });
      });

      // The head subscribers start at the head when their subscription is set up, which the
      // client is not told: append markers until each has received one.
      const headSubscribers = subscribers.filter((s) => s.kind.after === undefined);
      for (let i = 0; headSubscribers.some((s) => s.received().length === 0); i++) {
        if (i > 100) throw new Error('head subscribers received no marker');
        await append(gateways[i % 2]!, {
          stream: { name: 'markers', category: 'marker' },
          events: [{ type: 'Marker', data: i }],
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      // Four writers, two through each gateway, 30 appends each, all at once.
      await Promise.all(
        Array.from({ length: 4 }, async (_, writer) => {
          for (let n = 0; n < 30; n++)
            await append(gateways[writer % 2]!, randomAppend(100 + writer * 30 + n));
        }),
      );

      const { events } = await post(gateways[1]!.url, LogDocument, { after: 0, first: 1000 });
      const log = events.edges.map((edge) => edge.node);
      expect(log.map((e) => e.position)).toEqual(log.map((_, i) => i + 1));
      expect(log.length).toBeGreaterThan(30 + 4 * 30);

      const matches = (filter: EventFilter | undefined, e: (typeof log)[number]) =>
        (!filter?.categories || filter.categories.includes(e.stream.category ?? '')) &&
        (!filter?.types || filter.types.includes(e.type));
      const expectedFor = (subscriber: Subscriber) => {
        const start = subscriber.kind.after ?? (subscriber.received()[0]?.position ?? 1) - 1;
        return log.filter((e) => e.position > start && matches(subscriber.kind.filter, e)).map((e) => e.id);
      };
      for (const subscriber of subscribers) {
        const expected = expectedFor(subscriber);
        await until(
          () => subscriber.received().length >= expected.length,
          () => `${subscriber.label}: ${subscriber.received().length}/${expected.length}`,
          20_000,
        );
      }
      // Give a late duplicate the time to show up: several poll intervals.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const subscriber of subscribers) {
        expect(subscriber.live.errors, subscriber.label).toEqual([]);
        expect(
          subscriber.received().map((e) => e.id),
          subscriber.label,
        ).toEqual(expectedFor(subscriber));
        const checkpoints = subscriber.checkpoints();
        expect(checkpoints, subscriber.label).toEqual([...checkpoints].sort((a, b) => a - b));
      }
      for (const subscriber of headSubscribers) expect(subscriber.received()[0]?.type).toBe('Marker');
      // Batches: sizes within maxSize, and checkpoints at least their last event's position.
      for (const subscriber of subscribers.filter((s) => s.kind.batch)) {
        const batches = (
          subscriber.live as LiveSubscription<{
            eventBatches: { checkpoint: number; events: { position: number }[] };
          }>
        ).items;
        for (const batch of batches) {
          expect(batch.eventBatches.events.length).toBeLessThanOrEqual(subscriber.kind.batch!.maxSize);
          expect(batch.eventBatches.checkpoint).toBeGreaterThanOrEqual(
            batch.eventBatches.events.at(-1)?.position ?? 0,
          );
        }
      }
    } finally {
      const codes = await Promise.all(gateways.map((gateway) => gateway.stop()));
      expect(codes).toEqual([0, 0]);
    }
  }, 90_000);
});
