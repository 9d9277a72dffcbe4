/**
 * src/main.ts as `npm start` runs it: a real process, configured by environment, stopped by
 * SIGTERM. One test starts the embedded DynamoDB Local with a data directory and restarts
 * it to show the events survive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { uniquePrefix } from './support/dynamo.js';

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<number | null>;
}

function run(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    // Any free port for /metrics: test files run in parallel, and the default 9464 is one port.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', EVENTLOOM_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, output: () => output, exit };
}

async function start(env: Record<string, string>): Promise<Started> {
  const started = run(env);
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The line is JSON (pino): the URL ends at the closing quote.
    const match = /serving GraphQL .* at (http:\/\/[^\s"]+)/.exec(started.output());
    if (match) return { ...started, url: match[1]! };
    if (started.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`main did not start:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function graphql(url: string, query: string, key?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> } };
}

describe('main', () => {
  test('serves on the configured DynamoDB and stops cleanly on SIGTERM', async () => {
    const key = 'main-test-key-0123456789';
    const app = await start({
      PORT: '0',
      DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      EVENTLOOM_TABLE_PREFIX: uniquePrefix('api'),
      EVENTLOOM_API_KEYS: `${key}=main-tenant`,
    });
    expect(app.output()).toMatch(/tenant\(s\): main-tenant/);
    expect((await graphql(app.url, '{ head }')).status).toBe(401);
    expect((await graphql(app.url, '{ head }', key)).body).toEqual({ data: { head: 0 } });
    // /metrics listens on loopback apart from the API, and says where.
    const metricsUrl = /Prometheus metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(app.output())?.[1];
    expect(metricsUrl).toBeDefined();
    expect(await (await fetch(metricsUrl!)).text()).toContain('eventloom_graphql_requests_total');

    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
    expect(app.output()).toContain('Stopped.');
  });

  test('without API keys it warns loudly that there is no authentication', async () => {
    const app = await start({
      PORT: '0',
      DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      EVENTLOOM_TABLE_PREFIX: uniquePrefix('api'),
    });
    // A JSON log line (pino): the quotes around the tenant are escaped.
    expect(app.output()).toMatch(/EVENTLOOM_API_KEYS is not set.*\\?"default\\?".*WITHOUT authentication/);
    expect(app.output()).toMatch(/"level":40/);
    app.child.kill('SIGINT');
    expect(await app.exit).toBe(0);
  });

  test('an invalid configuration stops it with a message naming each variable, and no stack', async () => {
    const started = run({ PORT: 'eighty', EVENTLOOM_API_KEYS: 'no-separator', DYNAMODB_ENDPOINT: 'ftp://x' });
    expect(await started.exit).toBe(1);
    const output = started.output();
    expect(output).toContain('Invalid configuration');
    expect(output).toMatch(/PORT must be/);
    expect(output).toMatch(/EVENTLOOM_API_KEYS entry 1/);
    expect(output).toMatch(/DYNAMODB_ENDPOINT must be/);
    expect(output).not.toMatch(/\n\s+at /);
  });

  test('without DYNAMODB_ENDPOINT it embeds DynamoDB Local and keeps the events across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventloom-main-'));
    try {
      const env = { PORT: '0', EVENTLOOM_DATA_DIR: dataDir };
      const first = await start(env);
      expect(first.output()).toContain(`data in ${dataDir}`);
      const appended = await graphql(
        first.url,
        'mutation { appendEvents(input: { stream: { name: "kept" }, events: [{ type: "Kept", data: { n: 1 } }] }) { __typename } }',
      );
      expect(appended.body).toEqual({ data: { appendEvents: { __typename: 'AppendEventsSuccess' } } });
      first.child.kill('SIGTERM');
      expect(await first.exit).toBe(0);

      const second = await start(env);
      const read = await graphql(
        second.url,
        '{ head stream(ref: { name: "kept" }) { version events { edges { node { type data } } } } }',
      );
      expect(read.body).toEqual({
        data: {
          head: 1,
          stream: { version: 1, events: { edges: [{ node: { type: 'Kept', data: { n: 1 } } }] } },
        },
      });
      second.child.kill('SIGTERM');
      expect(await second.exit).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
