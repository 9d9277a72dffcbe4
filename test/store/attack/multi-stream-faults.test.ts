/**
 * Attacks on appendToStreams through DynamoDB faults: a transaction committed whose answer is
 * lost (the SDK sends it again, with the same ClientRequestToken; or the gateway gives up and the
 * client sends the call again, maybe after one of its streams was deleted), and the network to
 * DynamoDB cut and restored several times under a load of calls, each call sent again by its
 * client until it is answered. No call may be stored twice, half, or answered with other events
 * than its own.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, test } from 'vitest';
import {
  type AppendResult,
  type AppendToStreamsRequest,
  StoreUnavailableError,
} from '../../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../../support/dynamo.js';
import { readWholeLog } from '../../support/log.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';
import { appendOf, conditionOf } from './multi-stream-journal.js';

/** The ClientRequestToken of each TransactWriteItems sent, and how many answers were lost. */
function losingFirstAnswer(client: DynamoDBClient): { tokens: string[]; lost: () => number } {
  const tokens: string[] = [];
  let lost = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      const body = (args.request as { body?: string | Uint8Array }).body ?? '{}';
      tokens.push(
        JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)).ClientRequestToken,
      );
      const output = await next(args);
      if (lost++ === 0)
        throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} });
      return output;
    },
    // Below the SDK's retries, as a lost answer is on the wire.
    { step: 'deserialize', name: 'loseFirstAnswer', priority: 'high' },
  );
  return { tokens, lost: () => lost };
}

const outagesToCause = 5;

const call = (): AppendToStreamsRequest => ({
  appends: [appendOf('a', 2, 0), appendOf('b', 1, 0)],
  conditions: [conditionOf('guard', 0)],
});

describe('appendToStreams through DynamoDB faults', () => {
  test('an answer lost after the commit: the SDK sends the same transaction (same token) and the call is stored once, not as a replay', async () => {
    const client = testClient({ maxAttempts: 3 });
    const wire = losingFirstAnswer(client);
    const tenant = (await createTestStore(uniquePrefix('msfault'), { client })).store.forTenant(
      uniqueTenant(),
    );
    const result = await tenant.appendToStreams(call());
    expect(wire.tokens).toHaveLength(2);
    expect(wire.tokens[1]).toBe(wire.tokens[0]);
    expect(result.appends.map((append) => append.replayed)).toEqual([false, false]);
    expect(result.appends.flatMap((append) => append.events.map((e) => e.position))).toEqual([1, 2, 3]);
    expect(await tenant.headPosition()).toBe(3);
  });

  test('an answer lost and not retried: the client sends the call again, after one of its streams was deleted: nothing stored twice', async () => {
    const prefix = uniquePrefix('msfault');
    const tenantName = uniqueTenant();
    const client = testClient({ maxAttempts: 1 });
    losingFirstAnswer(client);
    const here = (await createTestStore(prefix, { client })).store.forTenant(tenantName);
    const there = (await createTestStore(prefix)).store.forTenant(tenantName);
    const request = call();
    await expect(here.appendToStreams(request)).rejects.toBeInstanceOf(StoreUnavailableError);
    // The call was stored: its retry replays it.
    const replay = await here.appendToStreams(request);
    expect(replay.appends.map((append) => append.replayed)).toEqual([true, true]);
    expect(replay.appends.flatMap((append) => append.events.map((e) => e.position))).toEqual([1, 2, 3]);
    // Once a is deleted (its ids free again) the retry is a mix of stored and new appends:
    // refused, and a is not stored again.
    await there.deleteStream({ name: 'a' });
    await expect(here.appendToStreams(request)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      path: ['appends', '0'],
    });
    expect(await there.headPosition()).toBe(3);
    expect(await there.getStream({ name: 'a' })).toBeNull();
  });

  test('the network to DynamoDB cut five times under load: every call, sent again until answered, is stored once and whole', async () => {
    const target = testClient().config.endpoint;
    const endpoint = target ? await target() : undefined;
    const network = await startTcpProxy(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`);
    const client = testClient({
      endpoint: network.endpoint,
      maxAttempts: 3,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 300, requestTimeout: 1500 }),
    });
    try {
      const tenant = (await createTestStore(uniquePrefix('mscut'), { client })).store.forTenant(
        uniqueTenant(),
      );
      const answers = new Map<AppendToStreamsRequest, AppendResult[]>();
      let unavailable = 0;
      let cuts = 0;
      let callsAfterCuts = 0;
      /** Each writer owns two streams (so any version refusal would be wrong) and shares one. */
      const writer = async (w: number) => {
        const versions = { a: 0, b: 0 };
        for (let n = 0; cuts < outagesToCause || callsAfterCuts < 20; n++) {
          const request: AppendToStreamsRequest = {
            appends: [
              appendOf(`w${w}-a`, 1 + (n % 3), versions.a),
              appendOf(`w${w}-b`, 1, versions.b),
              appendOf('shared', 1, null),
            ],
            conditions: [conditionOf('never', 0)],
          };
          for (;;) {
            try {
              answers.set(request, (await tenant.appendToStreams(request)).appends);
              break;
            } catch (error) {
              expect(error).toBeInstanceOf(StoreUnavailableError);
              unavailable++;
              await new Promise((resolve) => setTimeout(resolve, 30));
            }
          }
          versions.a += 1 + (n % 3);
          versions.b += 1;
          if (cuts >= outagesToCause) callsAfterCuts++;
        }
      };
      const outages = async () => {
        for (let cut = 0; cut < outagesToCause; cut++) {
          await new Promise((resolve) => setTimeout(resolve, 250 + 100 * cut));
          await network.cut();
          // Short and long: some requests die on the wire, some find no connection at all.
          await new Promise((resolve) => setTimeout(resolve, [50, 400, 120, 250, 20][cut] ?? 100));
          await network.restore();
          cuts++;
        }
      };
      await Promise.all([...[0, 1, 2, 3].map(writer), outages()]);

      const log = await readWholeLog(tenant);
      expect(log.map((event) => event.position)).toEqual(log.map((_, index) => index + 1));
      const logged = new Map(log.map((event) => [event.id, event.position]));
      expect(logged.size).toBe(log.length);
      let owned = 0;
      let replayed = 0;
      for (const [request, results] of answers) {
        const ids = request.appends.flatMap((append) => append.events.map((event) => event.id));
        const events = results.flatMap((result) => result.events);
        expect(events.map((event) => event.id)).toEqual(ids);
        // Stored where answered, at consecutive positions.
        expect(events.map((event) => logged.get(event.id))).toEqual(events.map((event) => event.position));
        expect(events.map((event) => event.position - (events[0]?.position ?? 0))).toEqual(
          events.map((_, i) => i),
        );
        owned += events.length;
        if (results[0]?.replayed) replayed++;
      }
      // Every event of the log is owed to one call: nothing stored twice or by no call.
      expect(owned).toBe(log.length);
      for (const w of [0, 1, 2, 3]) {
        for (const stream of ['a', 'b']) {
          const versions = (await tenant.readStream({ name: `w${w}-${stream}` }, { first: 1000 })).edges.map(
            (edge) => edge.node.version,
          );
          expect(versions).toEqual(versions.map((_, i) => i + 1));
        }
      }
      console.log(JSON.stringify({ calls: answers.size, unavailable, replayed, events: log.length }));
      expect(unavailable).toBeGreaterThan(0);
    } finally {
      client.destroy();
      await network.close();
    }
  });
});
