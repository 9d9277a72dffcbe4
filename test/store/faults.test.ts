// DynamoDB faults, injected by SDK middleware into a real client talking to DynamoDB Local:
// throttling and transaction conflicts are retried; other failures surface as a typed,
// retryable error; nothing is ever half-written, and a lost response is safe to retry.
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { StoreUnavailableError } from '../../src/store/index.js';
import { createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

type Fault = (commandName: string, next: () => Promise<unknown>) => Promise<unknown>;

/** Installs `fault` below the SDK's retry layer, so that retryable faults are retried as on AWS. */
function withFaults(client: DynamoDBClient, fault: { current: Fault | null }) {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const active = fault.current;
      if (!active) return next(args);
      return active(context.commandName ?? '', () => next(args)) as ReturnType<typeof next>;
    },
    { step: 'deserialize', name: 'faultInjection', priority: 'high' },
  );
}

function awsError(name: string, extra: object = {}) {
  return Object.assign(new Error(name), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    ...extra,
  });
}

describe('DynamoDB faults', () => {
  const prefix = uniquePrefix('faults');

  /** A fresh tenant of a store whose client lets the test inject a fault (none at first). */
  async function faultyTenant(config: { maxAttempts?: number } = {}) {
    const client = testClient(config);
    const fault: { current: Fault | null } = { current: null };
    withFaults(client, fault);
    const { store } = await createTestStore(prefix, { client });
    return { tenant: store.forTenant(uniqueTenant()), fault };
  }

  test('throttled transactions are retried by the SDK and the append succeeds once', async () => {
    const { tenant, fault } = await faultyTenant({ maxAttempts: 5 });
    let throttled = 0;
    fault.current = async (command, next) => {
      if (command === 'TransactWriteItemsCommand' && throttled < 2) {
        throttled++;
        throw awsError('ThrottlingException', { $retryable: { throttling: true } });
      }
      return next();
    };
    const result = await tenant.append({ stream: { name: 's' }, events: [{ type: 'A', data: 1 }] });
    expect(throttled).toBe(2);
    expect(result.events[0]?.position).toBe(1);
    fault.current = null;
    expect((await tenant.readLog({})).edges.length).toBe(1);
  });

  test('a transaction conflict is retried by the committer', async () => {
    const { tenant, fault } = await faultyTenant();
    let conflicts = 0;
    fault.current = async (command, next) => {
      if (command === 'TransactWriteItemsCommand' && conflicts < 3) {
        conflicts++;
        throw awsError('TransactionCanceledException', {
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
        });
      }
      return next();
    };
    const result = await tenant.append({
      stream: { name: 's' },
      expectedVersion: 0,
      events: [{ type: 'A', data: 1 }],
    });
    expect(conflicts).toBe(3);
    expect(result.events[0]).toMatchObject({ version: 1, position: 1 });
  });

  test('an unreachable DynamoDB gives a typed retryable error and writes nothing', async () => {
    const { tenant, fault } = await faultyTenant({ maxAttempts: 2 });
    fault.current = async (command, next) => {
      if (command === 'TransactWriteItemsCommand')
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return next();
    };
    const failure = await tenant
      .append({
        stream: { name: 's' },
        events: [
          { type: 'A', data: 1 },
          { type: 'B', data: 2 },
        ],
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as StoreUnavailableError).retryable).toBe(true);
    expect((failure as Error).message).not.toMatch(/ECONNREFUSED|stack|at /);
    fault.current = null;
    expect(await tenant.headPosition()).toBe(0);
    expect(await tenant.getStream({ name: 's' })).toBeNull();
    const later = await tenant.append({ stream: { name: 's' }, events: [{ type: 'A', data: 1 }] });
    expect(later.events[0]?.position).toBe(1);
  });

  test('a response lost after the commit: the client retry with the same ids stores nothing twice', async () => {
    const { tenant, fault } = await faultyTenant({ maxAttempts: 1 });
    fault.current = async (command, next) => {
      const output = await next();
      if (command === 'TransactWriteItemsCommand') throw awsError('TimeoutError');
      return output;
    };
    const request = {
      stream: { name: 's' },
      expectedVersion: 0,
      events: [{ id: randomUUID(), type: 'A', data: 1 }],
    };
    await expect(tenant.append(request)).rejects.toBeInstanceOf(StoreUnavailableError);
    fault.current = null;
    const retry = await tenant.append(request);
    expect(retry.replayed).toBe(true);
    expect(retry.events[0]).toMatchObject({ version: 1, position: 1 });
    expect(await tenant.headPosition()).toBe(1);
    const next = await tenant.append({
      stream: { name: 's' },
      expectedVersion: 1,
      events: [{ type: 'B', data: 2 }],
    });
    expect(next.events[0]).toMatchObject({ version: 2, position: 2 });
  });
});
