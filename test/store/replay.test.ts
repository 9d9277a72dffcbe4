// Answering a refused append from its ids' claims (src/store/replay.ts). Found by the event-ids
// attack (seed 111 with faults, once in 13 CI runs): a retry refused by its expected version,
// whose twin (the same append, sent to another gateway at once) committed while its claims were
// being read, was answered INVALID_INPUT on its first id ("stored, but not as exactly this
// append"). The claims were read in one BatchGetItem, whose items are each read at their own
// time: it saw the first claim after the twin's commit and the others before it, so the retry
// looked like a mix of stored and new ids that no append ever stored. DynamoDB Local does this
// under load; DynamoDB may too, and may leave any keys unprocessed, to be read later.
// Deterministic here: the twin commits in the middle of the claims read (as a BatchGetItem that
// leaves the first key unprocessed would see it), or, for a read as of one instant, just before it.
import { randomUUID } from 'node:crypto';
import type { AttributeValue, BatchGetItemCommandOutput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { expect, test } from 'vitest';
import type { TenantEventStore } from '../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

type Key = Record<string, AttributeValue>;
interface BatchGetInput {
  RequestItems: Record<string, { Keys: Key[]; ConsistentRead?: boolean }>;
}

const isClaimKey = (key: Key) => key.pk?.S?.includes('#ID#') === true;

/** A client whose first read of event-id claims has `twin` commit in the middle of it. */
function clientCommittingDuringClaimsRead(twin: () => Promise<unknown>): {
  client: DynamoDBClient;
  interleaved: () => boolean;
} {
  const client = testClient();
  let done = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (done) return next(args);
      if (context.commandName === 'BatchGetItemCommand') {
        const input = args.input as BatchGetInput;
        const [table, request] = Object.entries(input.RequestItems)[0] ?? [];
        const [first, ...rest] = request?.Keys ?? [];
        if (table === undefined || request === undefined || first === undefined || !isClaimKey(first))
          return next(args);
        done = true;
        // The other keys are read now, before the twin commits; the first is left unprocessed.
        const before = await next({
          ...args,
          input: { RequestItems: { [table]: { ...request, Keys: rest } } },
        });
        await twin();
        const output = before.output as BatchGetItemCommandOutput;
        return {
          ...before,
          output: { ...output, UnprocessedKeys: { [table]: { ...request, Keys: [first] } } },
        };
      }
      if (context.commandName === 'TransactGetItemsCommand' && JSON.stringify(args.input).includes('#ID#')) {
        done = true;
        await twin();
      }
      return next(args);
    },
    { step: 'initialize', name: 'twinCommitsDuringClaimsRead' },
  );
  return { client, interleaved: () => done };
}

test('a retry whose twin commits on another gateway while its claims are read is answered as a replay', async () => {
  const prefix = uniquePrefix('twin');
  const tenantName = uniqueTenant();
  const stream = { name: 'b', category: 'cat' };
  const events = Array.from({ length: 4 }, (_, index) => ({ id: randomUUID(), type: 'Long', data: index }));
  let there: TenantEventStore | undefined;
  const twin = () => there!.append({ stream, expectedVersion: null, events });
  const { client, interleaved } = clientCommittingDuringClaimsRead(() => twin());
  const here = (await createTestStore(prefix, { client })).store.forTenant(tenantName);
  there = (await createTestStore(prefix)).store.forTenant(tenantName);

  // The stream does not exist yet: `here` refuses expected version 1 and reads the claims.
  const answer = await here.append({ stream, expectedVersion: 1, events }).then(
    (result) => ({ replayed: result.replayed, ids: result.events.map((event) => event.id) }),
    (error: { code?: string; path?: unknown }) => ({ code: error.code, path: error.path }),
  );

  expect(interleaved()).toBe(true);
  expect(answer).toEqual({ replayed: true, ids: events.map((event) => event.id) });
  const stored = await there.readStream(stream);
  expect(stored.edges.map((edge) => edge.node.id)).toEqual(events.map((event) => event.id));
});
