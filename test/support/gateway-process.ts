/**
 * Real gateway processes for tests: `src/main.ts` as `npm start` runs it, on 127.0.0.1, on the
 * suite's DynamoDB Local, configured by environment. `useGatewayProcess` starts one before a
 * file's tests and stops it after them; every child ever spawned here is SIGKILLed in
 * `afterAll` if it is still running, so none outlives its file.
 *
 * Also: `scrape` (sums a metric of a gateway's /metrics), `graphqlPost` (a POST that keeps the
 * status, headers and raw text), `graphqlData` (a typed document's data, or a failure) and `watchHead` (a second tenant reading `{ head }` while a
 * test attacks the gateway).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, inject } from 'vitest';
import { freePort } from '../../src/dynamodb/local.js';
import { uniquePrefix } from './dynamo.js';

export interface GatewayProcess {
  /** http://127.0.0.1:<port>/graphql */
  readonly url: string;
  /** ws://127.0.0.1:<port>/graphql */
  readonly wsUrl: string;
  /** /metrics on the gateway's metrics listener (not the API port). */
  readonly metricsUrl: string;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the process wrote to stdout (its JSON log lines) so far. */
  output(): string;
  /** Everything it wrote to stderr so far. */
  errors(): string;
  /** SIGTERM, then SIGKILL if it has not exited after 15 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface GatewayOptions {
  /** Environment on top of the defaults (PORT, HOST, DYNAMODB_ENDPOINT, table prefix, metrics port). */
  env?: Record<string, string>;
  tablePrefix?: string;
}

const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();
/** Output kept per stream, so that a chatty gateway cannot exhaust the test's memory. */
const maxOutputChars = 32 * 1024 * 1024;

/** SIGKILLs every gateway process started by this module that is still running. */
export function killGatewayProcesses(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

async function spawnGateway(options: GatewayOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', mainScript], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      EVENTLOOM_TABLE_PREFIX: options.tablePrefix ?? uniquePrefix('api'),
      EVENTLOOM_METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (stdout.length < maxOutputChars) stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < maxOutputChars) stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  const gateway: GatewayProcess = {
    url: `${origin}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    origin,
    port,
    pid: child.pid ?? 0,
    output: () => stdout,
    errors: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };

  // Ready when /readyz answers 200: the tables exist and both listeners are up.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw Object.assign(new Error(`gateway exited with ${child.exitCode}:\n${stdout}\n${stderr}`), {
        addressInUse: /EADDRINUSE/.test(stdout + stderr),
      });
    }
    const ready = await fetch(`${origin}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return gateway;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway not ready after 60 s:\n${stdout}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a gateway process and waits until it is ready (a port taken meanwhile: tries again). */
export async function startGatewayProcess(options: GatewayOptions = {}): Promise<GatewayProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnGateway(options);
    } catch (error) {
      if (attempt >= 3 || !(error as { addressInUse?: boolean }).addressInUse) throw error;
    }
  }
}

/**
 * One gateway process for a file's tests: started in beforeAll, stopped in afterAll (and
 * SIGKILLed if it does not stop). Returns a getter, since it exists only once beforeAll ran.
 */
export function useGatewayProcess(options: GatewayOptions = {}): () => GatewayProcess {
  let gateway: GatewayProcess | undefined;
  beforeAll(async () => {
    gateway = await startGatewayProcess(options);
  });
  afterAll(async () => {
    try {
      await gateway?.stop();
    } finally {
      killGatewayProcesses();
    }
  });
  return () => {
    if (!gateway) throw new Error('the gateway process is not started yet');
    return gateway;
  };
}

/** The Prometheus text of a gateway's /metrics. */
export async function metricsText(metricsUrl: string): Promise<{ status: number; text: string }> {
  const response = await fetch(metricsUrl);
  return { status: response.status, text: await response.text() };
}

/**
 * Sums the samples of metric `name` in /metrics whose labels include every `labelFilter`
 * entry (e.g. `{ operation: 'Query' }`); 0 when there is none.
 */
export async function scrape(
  metricsUrl: string,
  name: string,
  labelFilter: Record<string, string> = {},
): Promise<number> {
  const { status, text } = await metricsText(metricsUrl);
  if (status !== 200) throw new Error(`GET ${metricsUrl}: HTTP ${status}`);
  return sumSamples(text, name, labelFilter);
}

/** Sums the samples of `name` in Prometheus text (see `scrape`). */
export function sumSamples(text: string, name: string, labelFilter: Record<string, string> = {}): number {
  const wanted = Object.entries(labelFilter).map(([label, value]) => `${label}="${value}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = match[2] ?? '';
    if (wanted.every((pair) => labels.includes(pair))) sum += Number(match[3]);
  }
  return sum;
}

export interface PostResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, when it is JSON. */
  body?: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

/** A raw POST to the GraphQL endpoint: `body` is sent as is (a string) or as JSON. */
export async function graphqlPost(
  url: string,
  body: string | { query: string; variables?: Record<string, unknown>; operationName?: string },
  options: { key?: string; headers?: Record<string, string> } = {},
): Promise<PostResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(options.key !== undefined ? { authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: PostResult['body'];
  try {
    parsed = JSON.parse(text) as PostResult['body'];
  } catch {
    // Not JSON: the caller looks at the status and text.
  }
  return { status: response.status, headers: response.headers, text, ...(parsed ? { body: parsed } : {}) };
}

/** A typed document sent to a gateway; fails unless the answer is HTTP 200 with data and no errors. */
export async function graphqlData<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  key: string,
): Promise<TData> {
  const body = { query: print(document), variables: variables as Record<string, unknown> };
  const result = await graphqlPost(url, body, { key });
  if (result.status !== 200 || result.body?.errors || !result.body?.data) {
    throw new Error(`HTTP ${result.status}: ${result.text.slice(0, 500)}`);
  }
  return result.body.data as TData;
}

export interface HeadProbe {
  /** Stops reading and resolves with every answer (HTTP status and `head`, or the failure). */
  stop(): Promise<Array<{ status: number; head: unknown; text: string }>>;
}

/**
 * Another tenant at work during an attack: reads `{ head }` with `key` again and again (a
 * pause of `intervalMs` between answers) until stopped.
 */
export function watchHead(url: string, key: string, intervalMs = 100): HeadProbe {
  const answers: Array<{ status: number; head: unknown; text: string }> = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const result = await graphqlPost(url, { query: '{ head }' }, { key });
        answers.push({ status: result.status, head: result.body?.data?.head, text: result.text });
      } catch (error) {
        answers.push({ status: 0, head: undefined, text: String(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return answers;
    },
  };
}

/** Every answer of a `watchHead` probe was HTTP 200 with a head, and there was at least one. */
export function headAnswersOk(
  answers: Array<{ status: number; head: unknown; text: string }>,
): string | null {
  if (answers.length === 0) return 'the second tenant got no answer at all';
  const bad = answers.find((answer) => answer.status !== 200 || typeof answer.head !== 'number');
  return bad ? `the second tenant got HTTP ${bad.status}: ${bad.text.slice(0, 300)}` : null;
}

/**
 * Runs `attack` while the tenant of `key` reads `{ head }` over and over (`watchHead`);
 * resolves with the attack's result and every answer that tenant got.
 */
export async function whileReadingHead<T>(
  url: string,
  key: string,
  attack: () => Promise<T>,
): Promise<{ result: T; answers: Array<{ status: number; head: unknown; text: string }> }> {
  const probe = watchHead(url, key);
  let result: T;
  try {
    result = await attack();
  } catch (error) {
    await probe.stop();
    throw error;
  }
  return { result, answers: await probe.stop() };
}
