// DynamoDB disappears in the middle of a load of appends and subscriptions: DynamoDB Local
// (with its data on disk) is killed with SIGKILL and started again on the same port. Every
// append answered success must be stored; no append may be half-stored; appends during the
// outage fail fast with the typed, retryable error; subscribers resume where they were and
// receive every stored event exactly once, in order.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, describe, expect, test } from 'vitest';
import { localCredentials, startDynamoDbLocal } from '../../src/dynamodb-local.js';
import { createDynamoEventStore, type RecordedEvent, StoreUnavailableError } from '../../src/store/index.js';
import { SubscriptionHub } from '../../src/subscriptions/index.js';
import { readWholeLog } from '../support/log.js';

const dataDir = mkdtempSync(join(tmpdir(), 'eventloom-outage-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a DynamoDB outage under load', () => {
  test('killed and restarted DynamoDB: acknowledged appends stored, none half-stored, subscribers exactly once', async () => {
    let local = await startDynamoDbLocal({ dbPath: dataDir });
    const port = local.port;
    const client = new DynamoDBClient({
      endpoint: local.endpoint,
      region: 'local',
      credentials: localCredentials,
      maxAttempts: 2,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 500, requestTimeout: 3000 }),
    });
    const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 200 } });
    const store = createDynamoEventStore({ client, tablePrefix: 'outage_', observer: hub.observer });
    await store.ensureTables();
    const tenant = store.forTenant('outage');
    try {
      const subscriptions = await Promise.all([
        hub.subscribe(tenant, { after: 0 }),
        hub.subscribe(tenant, { after: 0 }),
      ]);
      const received: RecordedEvent[][] = [[], []];
      const consuming = subscriptions.map(async (subscription, index) => {
        for await (const event of subscription) received[index]!.push(event);
      });

      const appends = new Map<string, string[]>(); // append id -> its event ids
      const acknowledged = new Set<string>();
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
            await tenant.append({ stream: { name: `w${writer}-${n % 5}` }, events });
            for (const event of events) acknowledged.add(event.id);
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
      await local.kill();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      local = await startDynamoDbLocal({ dbPath: dataDir, port });
      outage = 'after';
      await Promise.all(writers);

      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) expect(failure).toBeInstanceOf(StoreUnavailableError);

      // The log after recovery: 1..N, every acknowledged event in it, every append whole or absent.
      const log = await readWholeLog(tenant);
      expect(log.map((event) => event.position)).toEqual(log.map((_, index) => index + 1));
      const stored = new Set(log.map((event) => event.id));
      expect(stored.size).toBe(log.length);
      for (const id of acknowledged) expect(stored.has(id)).toBe(true);
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
      await local.stop();
    }
  }, 120_000);
});
