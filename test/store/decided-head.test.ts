// An append is written on the head its expected version was checked against, not on whatever
// the committer's cache holds when the transaction is built. Found by an attack on issue 9's fix:
// while a batch was being decided (a neighbour's refusal being answered), a deletion through the
// same store instance forgot the cached head, and an append expecting version 2 was acknowledged
// as a new stream at version 1. Deterministic: the neighbour's claim read is held while the
// stream is deleted.
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { WrongExpectedVersionError } from '../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { readWholeLog } from '../support/log.js';

test('an append expecting version 2 is refused when the same instance deletes the stream while its batch is decided', async () => {
  const client = testClient();
  let holdClaimsOf: string | null = null;
  let held: (() => void) | null = null;
  let release: () => void = () => {};
  const isHeld = new Promise<void>((resolve) => {
    held = resolve;
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (holdClaimsOf !== null && context.commandName === 'TransactGetItemsCommand') {
        const text = JSON.stringify(args.input);
        if (text.includes(`ID#${holdClaimsOf}`)) {
          holdClaimsOf = null;
          held?.();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'holdClaims' },
  );
  const { store } = await createTestStore(uniquePrefix('forget'), { client });
  const tenant = store.forTenant(uniqueTenant());
  const x = { name: 'x' };
  const y = { name: 'y' };
  await tenant.append({ stream: x, expectedVersion: 0, events: [{ type: 'A', data: 1 }] });
  await tenant.append({ stream: x, expectedVersion: 1, events: [{ type: 'B', data: 2 }] });
  await tenant.append({ stream: y, expectedVersion: 0, events: [{ type: 'C', data: 3 }] });

  const yId = randomUUID();
  holdClaimsOf = yId;
  const appendX = tenant
    .append({ stream: x, expectedVersion: 2, events: [{ id: randomUUID(), type: 'D', data: 4 }] })
    .then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  const appendY = tenant
    .append({ stream: y, expectedVersion: 5, events: [{ id: yId, type: 'E', data: 5 }] })
    .catch((error: unknown) => error);

  await isHeld; // x's append is decided (ready), y's refusal is being answered
  const deleted = await tenant.deleteStream(x, 2);
  expect(deleted.deletedEvents).toBe(2);
  expect(await tenant.getStream(x)).toBeNull(); // x is at version 0 from here on
  release();

  expect(await appendY).toBeInstanceOf(WrongExpectedVersionError);
  const outcome = await appendX;
  const log = await readWholeLog(tenant);
  const history = {
    appendX: outcome.ok
      ? {
          replayed: outcome.result.replayed,
          stream: outcome.result.stream,
          events: outcome.result.events.map((e) => ({
            v: e.version,
            pos: e.position,
            inc: e.streamIncarnation,
          })),
        }
      : String(outcome.error),
    getStream: await tenant.getStream(x),
    log: log.map((e) => `${e.position}:${e.type} v${e.version} inc ${e.streamIncarnation}`),
  };
  expect(outcome.ok ? outcome.result : outcome.error, JSON.stringify(history, null, 1)).toBeInstanceOf(
    WrongExpectedVersionError,
  );
});
