// Group commit: concurrent appends of one tenant share transactions, and a refused condition
// fails only its own append.
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { StoreUnavailableError, WrongExpectedVersionError } from '../../src/store/index.js';
import { countCalls, createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

describe('group commit', () => {
  test('20 concurrent appends share a few transactions; the 5 with a wrong version fail alone', async () => {
    const client = testClient();
    const calls = countCalls(client);
    const { store } = await createTestStore(uniquePrefix('group'), { client });
    const tenant = store.forTenant(uniqueTenant());
    for (let index = 0; index < 20; index++) {
      await tenant.append({
        stream: { name: `s${index}` },
        expectedVersion: 0,
        events: [{ type: 'Opened', data: index }],
      });
    }
    calls.reset();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        tenant.append({
          stream: { name: `s${index}` },
          expectedVersion: index % 4 === 0 ? 5 : 1,
          events: [{ type: 'Moved', data: index }],
        }),
      ),
    );
    const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
    expect(failed).toEqual([0, 4, 8, 12, 16]);
    for (const index of failed) {
      const outcome = outcomes[index];
      expect(outcome?.status === 'rejected' && outcome.reason).toBeInstanceOf(WrongExpectedVersionError);
    }
    // One transaction per append would be 15; group commit needs far fewer.
    expect(calls.get('TransactWriteItemsCommand')).toBeLessThanOrEqual(4);
    const log = await tenant.readLog({ after: 20 });
    expect(log.edges.map((edge) => edge.node.position)).toEqual(
      Array.from({ length: 15 }, (_, index) => 21 + index),
    );
    expect(log.edges.map((edge) => edge.node.data as number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, index) => index).filter((index) => index % 4 !== 0),
    );
  });
});

describe('first appends to a stream', () => {
  test('a stream never seen is written as new without a read; one that exists is found by the cancellation', async () => {
    const prefix = uniquePrefix('first');
    const calls: string[] = [];
    const client = testClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'recordCalls' },
    );
    const { store } = await createTestStore(prefix, { client });
    const other = (await createTestStore(prefix)).store;
    const tenantName = uniqueTenant();
    const tenant = store.forTenant(tenantName);
    await tenant.append({ stream: { name: 'warm-up' }, events: [{ type: 'A', data: 0 }] });

    calls.length = 0;
    const fresh = await tenant.append({ stream: { name: 'brand-new' }, events: [{ type: 'A', data: 1 }] });
    expect(fresh.events[0]?.version).toBe(1);
    expect(calls).toEqual(['TransactWriteItemsCommand']);

    // Created through another store instance: this one has never seen it.
    await other.forTenant(tenantName).append({
      stream: { name: 'elsewhere' },
      events: [
        { type: 'A', data: 1 },
        { type: 'B', data: 2 },
      ],
    });
    calls.length = 0;
    const existing = await tenant.append({ stream: { name: 'elsewhere' }, events: [{ type: 'C', data: 3 }] });
    expect(existing.events[0]).toMatchObject({ version: 3, position: 5 });
    // One cancelled transaction teaches both the stream's head and the moved counter; no read.
    expect(calls).toEqual(['TransactWriteItemsCommand', 'TransactWriteItemsCommand']);
    const stored = await tenant.readStream({ name: 'elsewhere' });
    expect(stored.edges.map((edge) => edge.node.type)).toEqual(['A', 'B', 'C']);
  });
});

describe('a refused call whose own reads fail', () => {
  test('is answered STORE_UNAVAILABLE alone, storing nothing; the batch it came with commits', async () => {
    const client = testClient();
    // The claims of this one id cannot be read: the refused call's judging (call-refusal.ts) fails.
    const unreadableId = randomUUID();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (
          context.commandName === 'TransactGetItemsCommand' &&
          JSON.stringify(args.input).includes(unreadableId)
        ) {
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'unreadableClaims' },
    );
    const { store } = await createTestStore(uniquePrefix('alone'), { client });
    const tenant = store.forTenant(uniqueTenant());
    const event = (id: string = randomUUID()) => ({ id, type: 'Moved', data: {} });
    for (const name of ['refused', 'a', 'b']) {
      await tenant.append({ stream: { name }, expectedVersion: 0, events: [event()] });
    }

    const [refused, single, call] = await Promise.allSettled([
      tenant.appendToStreams({
        appends: [{ stream: { name: 'refused' }, expectedVersion: 7, events: [event(unreadableId)] }],
      }),
      tenant.append({ stream: { name: 'a' }, expectedVersion: 1, events: [event()] }),
      tenant.appendToStreams({
        appends: [{ stream: { name: 'b' }, expectedVersion: 1, events: [event()] }],
        conditions: [{ stream: { name: 'a' }, expectedVersion: 1 }],
      }),
    ]);
    expect(refused.status === 'rejected' && refused.reason).toBeInstanceOf(StoreUnavailableError);
    expect(single.status).toBe('fulfilled');
    // Decided after the single append in the same batch: `a` moved to 2, so its condition fails.
    expect(call.status === 'rejected' && call.reason).toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      actualVersion: 2,
    });
    expect((await tenant.getStream({ name: 'refused' }))?.version).toBe(1);
    expect((await tenant.getStream({ name: 'a' }))?.version).toBe(2);
    expect(await tenant.headPosition()).toBe(4);
  });
});

describe('the reads of a version refusal', () => {
  test('ids the gateway made need no claim reads; ids the client gave are still judged for a retry', async () => {
    const client = testClient();
    // Reads of event-id claims (keys T#<tenant>#ID#<id>, keys.ts).
    let claimReads = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactGetItemsCommand' && JSON.stringify(args.input).includes('#ID#'))
          claimReads++;
        return next(args);
      },
      { step: 'initialize', name: 'countClaimReads' },
    );
    const { store } = await createTestStore(uniquePrefix('refusal-reads'), { client });
    const tenant = store.forTenant(uniqueTenant());
    const given = randomUUID();
    const opened = { id: given, type: 'Opened', data: {} };
    await tenant.append({ stream: { name: 's' }, expectedVersion: 0, events: [opened] });
    const stale = { stream: { name: 's' }, expectedVersion: 0 };

    claimReads = 0;
    const made = [{ type: 'Again', data: {} }];
    await expect(tenant.append({ ...stale, events: made })).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
    });
    await expect(tenant.appendToStreams({ appends: [{ ...stale, events: made }] })).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
    });
    expect(claimReads).toBe(0);

    // Given ids: the claims are read, and the retry is found.
    const replay = await tenant.append({ ...stale, events: [opened] });
    expect(replay.replayed).toBe(true);
    const refusedWithGivenId = tenant.append({
      ...stale,
      events: [{ id: randomUUID(), type: 'New', data: {} }],
    });
    await expect(refusedWithGivenId).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
    expect(claimReads).toBe(2);
  });
});
