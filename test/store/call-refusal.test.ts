// Answering a refused appendToStreams from its appends' id claims (src/store/call-refusal.ts).
// Its appends are judged together: some stored and some new is INVALID_INPUT. So their claims
// must be read as of one instant: read append by append, a twin of the call (the same call sent
// to another gateway at once) committing between two reads made the first append look new and
// the second stored, a mix no call ever stored. Deterministic here: the twin commits right after
// the first claims read, and any other claims read waits for it.
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import type { AppendToStreamsRequest, TenantEventStore } from '../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

test('a retried call whose twin commits on another gateway between its claims reads is not refused as a mix', async () => {
  const prefix = uniquePrefix('calltwin');
  const tenantName = uniqueTenant();
  const event = (type: string) => ({ id: randomUUID(), type, data: {} });
  const call = (expectedVersion: number | null): AppendToStreamsRequest => ({
    appends: [
      { stream: { name: 'x' }, expectedVersion, events: [eventX] },
      { stream: { name: 'y' }, expectedVersion, events: [eventY] },
    ],
  });
  const eventX = event('X');
  const eventY = event('Y');
  let there: TenantEventStore | undefined;
  let twinCommitted: Promise<unknown> | null = null;
  const client = testClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const claimsRead =
        (context.commandName === 'TransactGetItemsCommand' ||
          context.commandName === 'BatchGetItemCommand') &&
        JSON.stringify(args.input).includes('#ID#');
      if (!claimsRead) return next(args);
      if (twinCommitted !== null) {
        await twinCommitted;
        return next(args);
      }
      const first = next(args);
      twinCommitted = first.then(() => there!.appendToStreams(call(null)));
      return first;
    },
    { step: 'initialize', name: 'twinCommitsAfterFirstClaimsRead' },
  );
  const here = (await createTestStore(prefix, { client })).store.forTenant(tenantName);
  there = (await createTestStore(prefix)).store.forTenant(tenantName);

  // Neither stream exists: `here` refuses expected version 1 and judges both appends' ids.
  const answer = await here.appendToStreams(call(1)).then(
    (results) => ({ replayed: results.appends.map((result) => result.replayed) }),
    (error: { code?: string; path?: unknown }) => ({ code: error.code, path: error.path }),
  );
  await twinCommitted;

  expect(twinCommitted).not.toBeNull();
  // Read before the twin committed: nothing stored, the refusal stands (a replay would do too).
  expect(answer).toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
  expect((await there.getStream({ name: 'y' }))?.version).toBe(1);
});
