// DynamoDB disappears in the middle of a load of appends and subscriptions: the network to
// DynamoDB Local (with its data on disk) is cut, the process is killed with SIGKILL, started
// again on the same port, and the network restored. Every append answered success must be
// stored; no append may be half-stored; appends during the outage fail fast with the typed,
// retryable error; subscribers resume where they were and receive every stored event exactly
// once, in order.
//
// Why the network is cut and DynamoDB Local flushed before the kill: DynamoDB Local 3.x answers
// a TransactWriteItems before its SQLite COMMIT has run (see `DynamoDbLocal.flush`), so a bare
// SIGKILL can lose a transaction it has already acknowledged, which DynamoDB never does. Cutting
// the network first means no answer reaches the gateway after that point; the flush lets
// DynamoDB Local write what it already answered; transactions still running are then killed
// mid-way, which is the crash this test is about.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, describe, expect, test } from 'vitest';
import { startDynamoDbLocal } from '../../src/dynamodb/local.js';
import { createDynamoEventStore, type RecordedEvent, StoreUnavailableError } from '../../src/store/index.js';
import { counterPk, counterSk, logPk } from '../../src/store/keys.js';
import { SubscriptionHub } from '../../src/subscriptions/index.js';
import { testClient } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const dataDir = mkdtempSync(join(tmpdir(), 'eventloom-outage-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a DynamoDB outage under load', () => {
  test('killed and restarted DynamoDB: acknowledged appends stored, none half-stored, subscribers exactly once', async () => {
    let local = await startDynamoDbLocal({ dbPath: dataDir });
    const port = local.port;
    const network = await startTcpProxy(local.endpoint);
    const client = testClient({
      endpoint: network.endpoint,
      maxAttempts: 2,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 500, requestTimeout: 3000 }),
    });
    const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 200 } });
    const store = createDynamoEventStore({ client, tablePrefix: 'outage_', observer: hub.observer });
    await store.ensureTables();
    const tenant = store.forTenant('outage');
    try {
      const subscriptions = await Promise.all([
        hub.events(tenant, { after: 0 }),
        hub.events(tenant, { after: 0 }),
      ]);
      const received: RecordedEvent[][] = [[], []];
      const consuming = subscriptions.map(async (subscription, index) => {
        for await (const event of subscription) received[index]!.push(event);
      });

      const appends = new Map<string, string[]>(); // append id -> its event ids
      // Event id -> what the append that stored it answered, to explain a loss if one is seen.
      const acknowledged = new Map<string, { phase: string; position: number; replayed: boolean }>();
      const failures: unknown[] = [];
      let outage: 'before' | 'down' | 'after' = 'before';
      let appendsAfterRecovery = 0;
      const writers = Array.from({ length: 4 }, async (_, writer) => {
        for (let n = 0; appendsAfterRecovery < 40; n++) {
          const events = Array.from({ length: 1 + (n % 3) }, (_, k) => ({
            id: randomUUID(),
            type: 'Load',
            data: { writer, n, k },
          }));
          const appendId = `${writer}-${n}`;
          appends.set(
            appendId,
            events.map((event) => event.id),
          );
          const started = performance.now();
          try {
            const result = await tenant.append({ stream: { name: `w${writer}-${n % 5}` }, events });
            for (const stored of result.events)
              acknowledged.set(stored.id, {
                phase: outage,
                position: stored.position,
                replayed: result.replayed,
              });
            if (outage === 'after') appendsAfterRecovery++;
          } catch (error) {
            failures.push(error);
            // Fail fast: well within the SDK's connection timeout and retries.
            expect(performance.now() - started).toBeLessThan(10_000);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      });

      await new Promise((resolve) => setTimeout(resolve, 800));
      outage = 'down';
      await network.cut();
      await local.flush();
      await local.kill();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      local = await startDynamoDbLocal({ dbPath: dataDir, port });
      await network.restore();
      outage = 'after';
      await Promise.all(writers);

      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) expect(failure).toBeInstanceOf(StoreUnavailableError);

      // The log after recovery: 1..N, every acknowledged event in it, every append whole or absent.
      const log = await readWholeLog(tenant);
      expect(log.map((event) => event.position)).toEqual(log.map((_, index) => index + 1));
      const stored = new Set(log.map((event) => event.id));
      expect(stored.size).toBe(log.length);
      const lost = [...acknowledged].filter(([id]) => !stored.has(id));
      expect(lost, await explainLoss(client, log.length, lost)).toEqual([]);
      for (const ids of appends.values()) {
        const present = ids.filter((id) => stored.has(id)).length;
        expect([0, ids.length]).toContain(present);
      }

      // Subscribers catch up to the head and got exactly the log, once each, in order.
      const deadline = Date.now() + 20_000;
      while (received.some((events) => events.length < log.length) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const events of received)
        expect(events.map((event) => event.id)).toEqual(log.map((event) => event.id));
      await hub.close();
      await Promise.all(consuming);
    } finally {
      await hub.close();
      client.destroy();
      await network.close();
      await local.stop();
    }
  }, 120_000);
});

/** What the table holds when an acknowledged event is missing from the log: enough to tell a lost write from a hole or an overwritten position. */
async function explainLoss(
  client: DynamoDBClient,
  logLength: number,
  lost: Array<[string, { phase: string; position: number; replayed: boolean }]>,
): Promise<string> {
  if (lost.length === 0) return 'nothing lost';
  const positions: number[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: 'outage_events',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: logPk('outage') } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) positions.push(Number(item.sk?.S));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const present = new Set(positions);
  const highest = Math.max(0, ...positions);
  const holes = Array.from({ length: highest }, (_, index) => index + 1).filter((p) => !present.has(p));
  const counter = await client.send(
    new GetItemCommand({
      TableName: 'outage_events',
      Key: { pk: { S: counterPk('outage') }, sk: { S: counterSk } },
      ConsistentRead: true,
    }),
  );
  return JSON.stringify({
    readableLog: logLength,
    storedLogEntries: positions.length,
    highest,
    holes: holes.slice(0, 20),
    counter: counter.Item?.position?.N,
    lost: lost.slice(0, 10),
  });
}
