/**
 * Abuse resistance (`npm run bench -- abuse`; not in the default set). For each attack of the
 * abuse report: a gateway process of its own with two API keys, an attacker tenant A (a log of
 * 5,000 events) and a victim tenant B. A probe in a process of its own (bench/lib/probe.ts)
 * sends B's `{ head }` at 20 requests/s throughout, beside a raw consistent GetItem of B's
 * counter item at 10/s (what `head` costs in DynamoDB): first without attack (the idle phase),
 * then while the attack runs (bounded), then after it. Per attack: B's latency and errors in
 * each phase, the ratio of attack to idle, the raw baseline; the gateway's RSS before, at its
 * peak and after; its DynamoDB calls during the attack and after it (/metrics); what the
 * attacker got (close codes, HTTP statuses and error codes).
 *
 * Attacks (ids for `--attacks=`):
 *  1        4 WebSockets sending 45 MB of nested connectionParams in `connection_init`, no key.
 *  2        3,000 distinct operation names, then forty 1.5 MB names (the /metrics size).
 *  2b       300 distinct documents of 1.9 MB (a long operation name each): the gateway's RSS.
 *  3a       200 aliases of a filtered `events(first: 1)` in one query, 4 clients in a loop.
 *  3b       4 aliases of it (within the cost limit), 32 clients in a loop: the read budget.
 *  3c       3b with the read budget scaled to this DynamoDB Local (`scaledReadsPerSecond`).
 *  4        20 WebSockets x 100 filtered catch-up subscriptions from position 0.
 *  4b       4 with the scaled read budget.
 *  5        300 GETs of the GraphiQL page in 30 s, with and without `accept-encoding`; then 100
 *           uncompressed GETs whose responses are never read, held 5 s.
 *  6        1,000 sockets trickling request headers, a byte a second.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { EventStore } from '../../src/store/index.js';
import { counterPk, counterSk } from '../../src/store/keys.js';
import { defaultReadBudget } from '../../src/store/read-budget.js';
import { type GatewayProcess, startGateway } from '../lib/gateway.js';
import { type MetricsScrape, scrapeText, sumIn } from '../lib/metrics-scrape.js';
import { type Probe, type ProbeSummary, startProbe, summarizeProbe } from '../lib/probe.js';
import { median, percentile, round } from '../lib/stats.js';
import { seedLog } from './catchup.js';

export const attackIds = ['1', '2', '2b', '3a', '3b', '3c', '4', '4b', '5', '6'] as const;
export type AttackId = (typeof attackIds)[number];

const attackerTenant = 'abuse-attacker';
const victimTenant = 'abuse-victim';
const attackerKey = 'bench-key-for-abuse-attacker-0000';
const victimKey = 'bench-key-for-abuse-victim-0000';
const apiKeys = `${attackerKey}=${attackerTenant},${victimKey}=${victimTenant}`;
const attackerLogSize = 5000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => bytes / 2 ** 20;
const count = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

export interface AbuseOptions {
  dynamoEndpoint: string;
  tablePrefix: string;
  table: string;
  seeder: EventStore;
  attacks: readonly AttackId[];
  repetitions: number;
  quick: boolean;
  /** Length of the timed attacks (1, 3a, 3b, 3c, 4, 4b); default 15 s, 6 s with --quick. */
  attackSeconds?: number | undefined;
  /**
   * The read budget of attacks 3c and 4b (per tenant and gateway, burst twice that). DynamoDB
   * Local on this machine serves about 100-200 Queries of 100 items a second, far below the
   * default budget (1,000 reads/s): scaled down, the budget binds before DynamoDB Local does.
   */
  scaledReadsPerSecond?: number | undefined;
  /** The after phase ends once the gateway made no Query for 1 s, or after this long (default 60 s). */
  afterCapSeconds?: number | undefined;
  log: (line: string) => void;
  /** Called with what was measured so far after every run, so that a later failure keeps it. */
  onProgress?: (partial: AbuseResult) => void;
}

interface AttackContext {
  gateway: GatewayProcess;
  durationMs: number;
  quick: boolean;
}

type Attacker = Record<string, unknown>;

interface AttackSpec {
  id: AttackId;
  title: string;
  run(context: AttackContext): Promise<Attacker>;
  /** One line of what the attacker got, for the console. */
  describe(attacker: Attacker): string;
  /** Default: the timed attack length. */
  durationMs?: (quick: boolean) => number;
  /** The gateway runs with the scaled read budget. */
  scaledBudget?: boolean;
}

export interface RssFigures {
  beforeMiB: number;
  /** The highest RSS from the attack's start to the end of the after phase (VmHWM when it grew then, else sampled). */
  peakMiB: number;
  afterMiB: number;
  sampledPeakMiB: number;
  hwmMiB: number;
}

export interface CallFigures {
  total: number;
  query: number;
  getItem: number;
  batchGetItem: number;
  perSecond: number;
  queryPerSecond: number;
}

export interface AttackRun {
  attack: AttackId;
  title: string;
  repetition: number;
  /** The attacker's read budget on this gateway, reads/s (burst twice that). */
  readsPerSecond: number;
  /** 1-minute load average when the idle phase started. */
  load1: number;
  attackSeconds: number;
  afterSeconds: number;
  victim: { idle: ProbeSummary; attack: ProbeSummary; after: ProbeSummary };
  raw: { idle: ProbeSummary; attack: ProbeSummary };
  /** B's failed `{ head }` requests (at most 50): phase, sent at (s since the phase began), outcome. */
  victimFailures: Array<{ phase: string; atSeconds: number; latencyMs: number; outcome: string }>;
  /** B's `{ head }` during the attack against the idle phase of the same gateway. */
  p50Ratio: number;
  p99Ratio: number;
  /** B's `{ head }` p50 against the raw GetItem p50 of the idle phase. */
  idleVsRaw: number;
  attackVsRaw: number;
  rss: RssFigures;
  /** DynamoDB calls of the gateway during the attack (B's `head` GetItems included: 20/s). */
  calls: CallFigures;
  /** After the attack ended, until the end of the after phase. */
  callsAfter: CallFigures;
  /** Failed DynamoDB calls of the gateway (eventloom_dynamodb_errors_total) during and after the attack. */
  dynamoErrors: { attack: Record<string, number>; after: Record<string, number> };
  /**
   * Mean duration of the gateway's DynamoDB calls during the attack, ms (its histogram: from
   * the SDK's send to the answer, so including waits for a connection of the client's pool).
   */
  dynamoMeanMs: { getItem: number; query: number };
  /** The gateway's event-loop delay over the attack (perf_hooks' histogram, through /metrics), ms. */
  eventLoopDelayMs: { mean: number; p99: number; max: number };
  /** CPU of the gateway process during the attack (100 = one core). */
  gatewayCpuPercent: number;
  /** Refused and delayed reads of the attacker's read budget during the attack. */
  readsRefused: number;
  readsDelayed: number;
  /**
   * Until the gateway made no Query for 1 s after the attack (the after phase lasts at least
   * 5 s, at most `afterCapSeconds`; NaN: still querying at its end).
   */
  queriesQuietAfterMs: number;
  /** Queries per second in each second of the after phase. */
  afterQueriesPerSecond: number[];
  /** Open subscriptions (all tenants) at the end of the after phase. */
  subscriptionsAfter: number;
  metrics: {
    bytesBefore: number;
    bytesAfterAttack: number;
    bytesAfter: number;
    statusAfter: number;
    scrapeMsAfter: number;
    /** Distinct `operation` label values of eventloom_graphql_requests_total. */
    operationLabelsAfter: number;
  };
  attacker: Attacker;
}

export interface AbuseResult {
  attacks: AttackId[];
  repetitions: number;
  probe: { headPerSecond: number; rawPerSecond: number; timeoutMs: number };
  seeded: { attackerEvents: number; seconds: number };
  /** Per attack: the median of each number over the repetitions. */
  medians: Record<string, AttackRun>;
  runs: AttackRun[];
}

const defaultScaledReadsPerSecond = 50;

const probeRate = { headPerSecond: 20, rawPerSecond: 10, timeoutMs: 15_000 };

// --- helpers ---------------------------------------------------------------------------------

async function procStatus(pid: number): Promise<{ rss: number; hwm: number }> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

/** Samples the gateway's RSS every `everyMs` until stopped; returns the largest sample. */
function sampleRss(pid: number, everyMs = 100) {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rss } = await procStatus(pid);
      if (rss > peak) peak = rss;
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

function calls(before: MetricsScrape, after: MetricsScrape, seconds: number): CallFigures {
  const delta = (label = '') =>
    sumIn(after.text, 'eventloom_dynamodb_calls_total', label) -
    sumIn(before.text, 'eventloom_dynamodb_calls_total', label);
  const total = delta();
  const query = delta('operation="Query"');
  return {
    total,
    query,
    getItem: delta('operation="GetItem"'),
    batchGetItem: delta('operation="BatchGetItem"'),
    perSecond: total / seconds,
    queryPerSecond: query / seconds,
  };
}

/** The samples of a counter with their labels, e.g. `{operation="GetItem",error="TimeoutError"}` -> n. */
function series(text: string, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const space = line.lastIndexOf(' ');
    found[line.slice(name.length, space)] = Number(line.slice(space + 1));
  }
  return found;
}

/** What a counter's series grew by from `before` to `after` (series that did not grow left out). */
function growth(before: MetricsScrape, after: MetricsScrape, name: string): Record<string, number> {
  const start = series(before.text, name);
  const grown: Record<string, number> = {};
  for (const [labels, value] of Object.entries(series(after.text, name))) {
    const delta = value - (start[labels] ?? 0);
    if (delta > 0) grown[labels] = delta;
  }
  return grown;
}

function operationLabels(text: string): number {
  const names = new Set<string>();
  for (const match of text.matchAll(/^eventloom_graphql_requests_total\{[^\n]*?operation="([^"]*)"/gm))
    names.add(match[1] ?? '');
  return names.size;
}

interface Answer {
  label: string;
  status: number;
  ms: number;
  message?: string | undefined;
}

/** A GraphQL POST as the attacker: `ok`, or the status and first error code. */
async function post(url: string, key: string, query: string, signal?: AbortSignal): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      ...(signal ? { signal } : {}),
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    let code: string | undefined;
    let message: string | undefined;
    try {
      const body = JSON.parse(text) as {
        errors?: Array<{ message?: string; extensions?: { code?: string } }>;
      };
      code = body.errors?.[0]?.extensions?.code ?? (body.errors?.length ? 'ERROR' : undefined);
      message = body.errors?.[0]?.message;
    } catch {
      code = 'NOT_JSON';
    }
    const label = response.status === 200 && !code ? 'ok' : `${response.status}${code ? ` ${code}` : ''}`;
    return { label, status: response.status, ms: performance.now() - started, message };
  } catch (error) {
    if (signal?.aborted)
      return { label: 'aborted by the client', status: 0, ms: performance.now() - started };
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { label: `network ${cause}`, status: 0, ms: performance.now() - started };
  }
}

/** After the deadline, requests still unanswered are given this long, then aborted by the client. */
const abortGraceMs = 10_000;

/**
 * `clients` loops sending `send()` until the deadline; every answer is counted by label. The
 * signal aborts what is still waiting `abortGraceMs` after the deadline.
 */
async function closedLoop(clients: number, deadline: number, send: (signal: AbortSignal) => Promise<Answer>) {
  const signal = AbortSignal.timeout(Math.ceil(Math.max(0, deadline - performance.now()) + abortGraceMs));
  const outcomes: Record<string, number> = {};
  const messages: Record<string, string> = {};
  const okLatencies: number[] = [];
  const allLatencies: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const answer = await send(signal);
        count(outcomes, answer.label);
        if (answer.message && !messages[answer.label]) messages[answer.label] = answer.message.slice(0, 200);
        allLatencies.push(answer.ms);
        if (answer.label === 'ok') okLatencies.push(answer.ms);
      }
    }),
  );
  return { outcomes, messages, okLatencies, allLatencies, requests: allLatencies.length };
}

/** A filtered read of the attacker's log that matches nothing: it examines the whole log. */
const filteredRead = (alias: string, selection: string) =>
  `${alias}: events(first: 1, filter: { types: ["nope"] }) ${selection}`;

// --- attack 1: connection_init ---------------------------------------------------------------

/** `connection_init` with `bytes` of nested objects in its payload. */
function nestedConnectionInit(bytes: number, authorization?: string): Buffer {
  const unit = '{"a":[{"b":{"c":[1,{"d":"x"}]}}]}';
  const units = Math.max(1, Math.floor((bytes - 100) / (unit.length + 1)));
  const auth = authorization ? `"authorization":"${authorization}",` : '';
  return Buffer.from(
    `{"type":"connection_init","payload":{${auth}"nested":[${new Array(units).fill(unit).join(',')}]}}`,
  );
}

/**
 * One masked text frame holding `payload`, built once: the client of the attack writes it from
 * memory, so that masking 45 MB per connection does not load the bench process (which shares
 * the machine with the gateway).
 */
function maskedTextFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, 0x80 | length])
      : length < 65536
        ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), Buffer.alloc(8)]);
  if (length >= 65536) header.writeBigUInt64BE(BigInt(length), 2);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = Buffer.allocUnsafe(length);
  for (let index = 0; index < length; index++) masked[index] = (payload[index] ?? 0) ^ (key[index & 3] ?? 0);
  return Buffer.concat([header, key, masked]);
}

interface InitOutcome {
  /** The server's close frame (code and reason), `connection_ack`, or how the TCP connection ended. */
  label: string;
  /** From the upgrade's answer to the end of the TCP connection, ms; -1 when it was not upgraded. */
  closeMs: number;
}

/**
 * A graphql-ws connection by hand: the upgrade request, then `frame` as the first message, then
 * whatever the server answers until it closes the connection (or `timeoutMs`).
 */
function initOnce(url: string, frame: Buffer, timeoutMs: number): Promise<InitOutcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    let received = Buffer.alloc(0);
    let upgradedAt = -1;
    let label = '';
    let errorCode = '';
    const finish = () => {
      clearTimeout(timer);
      resolve({
        label:
          label || (upgradedAt < 0 ? `not upgraded ${errorCode}` : `no close frame (${errorCode || 'FIN'})`),
        closeMs: upgradedAt < 0 ? -1 : performance.now() - upgradedAt,
      });
    };
    const timer = setTimeout(() => {
      label ||= `no close after ${timeoutMs / 1000} s`;
      socket.destroy();
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(
        `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (upgradedAt < 0) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!received.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 101')) {
          label = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
          socket.destroy();
          return;
        }
        upgradedAt = performance.now();
        received = received.subarray(end + 4);
        socket.write(frame);
      }
      // Server frames are not masked: a close frame is 0x88, its length, a code and a reason.
      while (received.length >= 2 && !label) {
        const opcode = (received[0] ?? 0) & 0x0f;
        const length = (received[1] ?? 0) & 0x7f;
        if (length > 125 || received.length < 2 + length) return;
        const body = received.subarray(2, 2 + length);
        received = received.subarray(2 + length);
        if (opcode === 0x8) {
          label = length >= 2 ? `${body.readUInt16BE(0)}` : 'close';
          if (length > 2) label += ` "${body.subarray(2).toString()}"`;
          socket.end();
        } else if (body.toString().includes('connection_ack')) {
          label = 'connection_ack';
          socket.destroy();
        }
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      errorCode ||= error.code ?? 'error';
    });
    socket.on('close', finish);
  });
}

async function connectionInitAttack({ gateway, durationMs }: AttackContext): Promise<Attacker> {
  const sockets = 4;
  const message = nestedConnectionInit(45 * 10 ** 6);
  const frame = maskedTextFrame(message);
  const deadline = performance.now() + durationMs;
  const closes: Record<string, number> = {};
  const closeMs: number[] = [];
  await Promise.all(
    Array.from({ length: sockets }, async () => {
      while (performance.now() < deadline) {
        const outcome = await initOnce(gateway.wsUrl, frame, 30_000);
        count(closes, outcome.label);
        if (outcome.closeMs >= 0) closeMs.push(outcome.closeMs);
      }
    }),
  );
  // The 64 KiB check of the first message itself, below ws' maxPayload (the 2 MiB HTTP body limit).
  const checks: Record<string, string> = {};
  for (const [label, bytes, key] of [
    ['1 MiB, no key', 2 ** 20, undefined],
    ['60 KiB, no key', 60 * 1024, undefined],
    ['60 KiB, attacker key', 60 * 1024, attackerKey],
  ] as const) {
    const init = maskedTextFrame(nestedConnectionInit(bytes, key ? `Bearer ${key}` : undefined));
    checks[label] = (await initOnce(gateway.wsUrl, init, 10_000)).label;
  }
  return {
    sockets,
    messageBytes: message.length,
    connections: closeMs.length,
    closes,
    closeP50Ms: percentile(closeMs, 50),
    closeMaxMs: closeMs.length ? Math.max(...closeMs) : Number.NaN,
    checks,
  };
}

// --- attack 2: operation names ---------------------------------------------------------------

/**
 * `distinct` short operation names, then `long` documents each named by `longBytes` of letters
 * (one token: within the token limit; within the 2 MiB body limit).
 */
async function operationNames(
  gateway: GatewayProcess,
  distinct: number,
  long: number,
  longBytes: number,
): Promise<Attacker> {
  const run = Math.random().toString(36).slice(2, 8);
  const outcomes: Record<string, number> = {};
  const pool = async (items: number, concurrency: number, send: (index: number) => Promise<Answer>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < items) count(outcomes, (await send(next++)).label);
      }),
    );
  };
  const started = performance.now();
  await pool(distinct, 8, (index) => post(gateway.url, attackerKey, `query Op${index}_${run} { head }`));
  const padding = 'a'.repeat(longBytes);
  await pool(long, 4, (index) => post(gateway.url, attackerKey, `query N${index}_${run}${padding} { head }`));
  return {
    distinctNames: distinct,
    longNames: long,
    longNameBytes: longBytes,
    seconds: (performance.now() - started) / 1000,
    outcomes,
  };
}

const operationNamesAttack = ({ gateway, quick }: AttackContext) =>
  operationNames(gateway, 3000, quick ? 10 : 40, 1.5 * 2 ** 20);

/** Many distinct large documents: what yoga's parse cache (1,024 documents by default) keeps. */
const largeDocumentsAttack = ({ gateway, quick }: AttackContext) =>
  operationNames(gateway, 0, quick ? 100 : 300, 1.9 * 2 ** 20);

// --- attack 3: aliases -------------------------------------------------------------------------

async function aliasesAttack({ gateway, durationMs }: AttackContext): Promise<Attacker> {
  const aliases = 200;
  // `__typename` only: 400 selections, under the breadth limit (500), so the cost limit decides.
  const query = `query Aliases {\n${Array.from({ length: aliases }, (_, index) => `  ${filteredRead(`a${index}`, '{ __typename }')}`).join('\n')}\n}`;
  const clients = 4;
  const loop = await closedLoop(clients, performance.now() + durationMs, (signal) =>
    post(gateway.url, attackerKey, query, signal),
  );
  return {
    aliases,
    queryBytes: Buffer.byteLength(query),
    clients,
    requests: loop.requests,
    outcomes: loop.outcomes,
    messages: loop.messages,
    p50Ms: percentile(loop.allLatencies, 50),
  };
}

async function readBudgetAttack({ gateway, durationMs }: AttackContext): Promise<Attacker> {
  const aliases = 4;
  const query = `query Filtered {\n${Array.from({ length: aliases }, (_, index) => `  ${filteredRead(`a${index}`, '{ edges { node { position } } }')}`).join('\n')}\n}`;
  const clients = 32;
  const started = performance.now();
  const loop = await closedLoop(clients, started + durationMs, (signal) =>
    post(gateway.url, attackerKey, query, signal),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    aliases,
    clients,
    requests: loop.requests,
    okPerSecond: (loop.outcomes.ok ?? 0) / seconds,
    outcomes: loop.outcomes,
    messages: loop.messages,
    okP50Ms: percentile(loop.okLatencies, 50),
    okP99Ms: percentile(loop.okLatencies, 99),
    allP50Ms: percentile(loop.allLatencies, 50),
  };
}

// --- attack 4: catch-up subscriptions ----------------------------------------------------------

async function catchUpAttack({ gateway, durationMs }: AttackContext): Promise<Attacker> {
  const connections = 20;
  const perConnection = 100;
  const query = 'subscription CatchUp { events(after: 0, filter: { types: ["nope"] }) { position } }';
  let disposing = false;
  let connected = 0;
  let deliveries = 0;
  let completed = 0;
  const errors: Record<string, number> = {};
  const clients = Array.from({ length: connections }, () =>
    createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${attackerKey}` },
      lazy: false,
      retryAttempts: 0,
      on: { connected: () => connected++ },
    }),
  );
  const unsubscribers = clients.flatMap((client) =>
    Array.from({ length: perConnection }, () =>
      client.subscribe(
        { query },
        {
          next: () => deliveries++,
          error: (error: unknown) => {
            if (disposing) return;
            const code = Array.isArray(error)
              ? String((error[0] as { extensions?: { code?: string } })?.extensions?.code ?? 'ERROR')
              : `close ${(error as { code?: number }).code ?? (error as Error).message}`;
            count(errors, code);
          },
          complete: () => {
            if (!disposing) completed++;
          },
        },
      ),
    ),
  );
  await sleep(durationMs);
  const scrape = await scrapeText(gateway.metricsUrl);
  const tenant = `tenant="${attackerTenant}"`;
  const result = {
    connections,
    subscriptions: connections * perConnection,
    connected,
    openOnGateway: sumIn(scrape.text, 'eventloom_subscriptions', tenant),
    deliveries,
    endedWithError: Object.values(errors).reduce((sum, value) => sum + value, 0),
    completedEarly: completed,
    errors,
  };
  disposing = true;
  for (const unsubscribe of unsubscribers) unsubscribe();
  await Promise.all(clients.map((client) => client.dispose()));
  return result;
}

// --- attack 5: the GraphiQL page ---------------------------------------------------------------

function getPage(url: string, acceptEncoding: string | undefined) {
  return new Promise<{ status: number; bytes: number; ms: number; encoding: string }>((resolve) => {
    const started = performance.now();
    const target = new URL(url);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        agent: false,
        headers: { accept: 'text/html', ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
      },
      (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            bytes,
            ms: performance.now() - started,
            encoding: String(response.headers['content-encoding'] ?? 'identity'),
          }),
        );
        response.on('error', () =>
          resolve({ status: -1, bytes, ms: performance.now() - started, encoding: '' }),
        );
      },
    );
    req.on('error', () => resolve({ status: 0, bytes: 0, ms: performance.now() - started, encoding: '' }));
    req.end();
  });
}

async function graphiqlAttack({ gateway, quick }: AttackContext): Promise<Attacker> {
  const total = quick ? 100 : 300;
  const perSecond = 10;
  const started = performance.now();
  const variants = {
    'br, gzip': [] as Array<{ status: number; bytes: number; ms: number; encoding: string }>,
    none: [] as Array<{ status: number; bytes: number; ms: number; encoding: string }>,
  };
  const gets: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const wait = started + (index * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    const variant = index % 2 === 0 ? 'none' : 'br, gzip';
    gets.push(
      getPage(gateway.url, variant === 'none' ? undefined : variant).then((answer) => {
        variants[variant].push(answer);
      }),
    );
  }
  await Promise.all(gets);
  // Readers that never read: 100 uncompressed GETs whose responses are paused, held 5 s.
  const target = new URL(gateway.url);
  const held: Array<{ destroy(): void }> = [];
  const rssBeforeHeld = (await procStatus(gateway.pid)).rss;
  for (let index = 0; index < 100; index++) {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        agent: false,
        headers: { accept: 'text/html' },
      },
      (response) => {
        response.pause();
        held.push(response);
      },
    );
    req.on('error', () => undefined);
    req.end();
    await sleep(10);
  }
  await sleep(5000);
  const rssHeld = (await procStatus(gateway.pid)).rss;
  const heldResponses = held.length;
  for (const response of held) response.destroy();
  const describe = (answers: (typeof variants)['none']) => {
    const statuses: Record<string, number> = {};
    const encodings: Record<string, number> = {};
    for (const answer of answers) {
      count(statuses, String(answer.status));
      count(encodings, answer.encoding);
    }
    return {
      requests: answers.length,
      statuses,
      encodings,
      bytes: median(answers.map((answer) => answer.bytes)),
      p50Ms: percentile(
        answers.map((answer) => answer.ms),
        50,
      ),
      p99Ms: percentile(
        answers.map((answer) => answer.ms),
        99,
      ),
    };
  };
  return {
    requests: total,
    perSecond,
    seconds: (performance.now() - started) / 1000,
    compressed: describe(variants['br, gzip']),
    uncompressed: describe(variants.none),
    unreadHeld: { responses: heldResponses, rssGrowthMiB: mib(rssHeld - rssBeforeHeld) },
  };
}

// --- attack 6: trickled headers ----------------------------------------------------------------

async function trickleAttack({ gateway, quick }: AttackContext): Promise<Attacker> {
  const total = 1000;
  const capMs = quick ? 20_000 : 30_000;
  const target = new URL(gateway.url);
  const header = Buffer.from(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nX-Trickle: `);
  interface Trickler {
    socket: Socket;
    connectedAt: number;
    closedAfterMs?: number;
    byUs: boolean;
    response: string;
  }
  const tricklers: Trickler[] = [];
  let connectErrors = 0;
  const started = performance.now();
  const closed = (trickler: Trickler) => trickler.closedAfterMs !== undefined;
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect(Number(target.port), target.hostname);
      const trickler: Trickler = { socket, connectedAt: Number.NaN, byUs: false, response: '' };
      socket.on('connect', () => {
        trickler.connectedAt = performance.now();
        tricklers.push(trickler);
        socket.write(header);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        if (trickler.response.length < 200) trickler.response += chunk.toString('latin1');
      });
      socket.on('error', () => {
        if (Number.isNaN(trickler.connectedAt)) {
          connectErrors++;
          resolve();
        }
      });
      socket.on('close', () => {
        if (!Number.isNaN(trickler.connectedAt))
          trickler.closedAfterMs = performance.now() - trickler.connectedAt;
      });
    });
  // In batches of 100, not to overflow the listen backlog (511).
  for (let batch = 0; batch < total; batch += 100) {
    await Promise.all(Array.from({ length: Math.min(100, total - batch) }, open));
  }
  const connected = tricklers.length;
  // A byte a second on every open socket; never the blank line that ends the headers.
  while (performance.now() - started < capMs && tricklers.some((trickler) => !closed(trickler))) {
    await sleep(1000);
    for (const trickler of tricklers)
      if (!closed(trickler) && trickler.socket.writable) trickler.socket.write('a');
  }
  const openAtCap = tricklers.filter((trickler) => !closed(trickler)).length;
  for (const trickler of tricklers) {
    if (!closed(trickler)) {
      trickler.byUs = true;
      trickler.socket.destroy();
    }
  }
  await sleep(100);
  const byServer = tricklers.filter((trickler) => !trickler.byUs && closed(trickler));
  const closeMs = byServer.map((trickler) => trickler.closedAfterMs ?? Number.NaN);
  const responses: Record<string, number> = {};
  for (const trickler of byServer) count(responses, trickler.response.split('\r\n')[0] || '(none)');
  return {
    sockets: total,
    connected,
    connectErrors,
    openSeconds: round((performance.now() - started) / 1000, 1),
    closedByServer: byServer.length,
    openAtCap,
    capSeconds: capMs / 1000,
    closeP50Ms: percentile(closeMs, 50),
    closeMaxMs: closeMs.length ? Math.max(...closeMs) : Number.NaN,
    responses,
  };
}

// --- the attacks, as the console describes them ------------------------------------------------

const outcomesText = (outcomes: unknown) =>
  Object.entries((outcomes ?? {}) as Record<string, number>)
    .map(([label, n]) => `${label} ×${round(n, 0)}`)
    .join(', ');

const specs: readonly AttackSpec[] = [
  {
    id: '1',
    title: '4 WebSockets, 45 MB nested connection_init without a key',
    run: connectionInitAttack,
    describe: (a) =>
      `${a.connections} sockets: ${outcomesText(a.closes)}, closed after p50 ${round(Number(a.closeP50Ms))} ms; checks ${JSON.stringify(a.checks)}`,
  },
  {
    id: '2',
    title: '3,000 distinct operation names + 1.5 MB names',
    run: operationNamesAttack,
    describe: (a) =>
      `${a.distinctNames} + ${a.longNames} long names in ${round(Number(a.seconds))} s: ${outcomesText(a.outcomes)}`,
    durationMs: () => 0,
  },
  {
    id: '2b',
    title: '300 distinct 1.9 MB documents (long operation names)',
    run: largeDocumentsAttack,
    describe: (a) =>
      `${a.longNames} documents of ${round(Number(a.longNameBytes) / 2 ** 20, 1)} MiB in ${round(Number(a.seconds))} s: ${outcomesText(a.outcomes)}`,
    durationMs: () => 0,
  },
  {
    id: '3a',
    title: '200 aliases of a filtered events(first: 1), 4 clients',
    run: aliasesAttack,
    describe: (a) => `${a.requests} requests (${a.queryBytes} B): ${outcomesText(a.outcomes)}`,
  },
  {
    id: '3b',
    title: '4 aliases of a filtered events(first: 1), 32 clients',
    run: readBudgetAttack,
    describe: (a) =>
      `${a.requests} requests, ${round(Number(a.okPerSecond))} ok/s: ${outcomesText(a.outcomes)}; ok p50 ${round(Number(a.okP50Ms))} ms`,
  },
  {
    id: '3c',
    title: '3b with the read budget scaled down',
    run: readBudgetAttack,
    describe: (a) =>
      `${a.requests} requests, ${round(Number(a.okPerSecond))} ok/s: ${outcomesText(a.outcomes)}; ok p50 ${round(Number(a.okP50Ms))} ms`,
    scaledBudget: true,
  },
  {
    id: '4',
    title: '20 WebSockets × 100 filtered catch-up subscriptions from 0',
    run: catchUpAttack,
    describe: (a) =>
      `${a.openOnGateway}/${a.subscriptions} open, ended with error ${a.endedWithError}, completed ${a.completedEarly}`,
  },
  {
    id: '4b',
    title: '4 with the read budget scaled down',
    run: catchUpAttack,
    describe: (a) =>
      `${a.openOnGateway}/${a.subscriptions} open, ended with error ${a.endedWithError}, completed ${a.completedEarly}`,
    scaledBudget: true,
  },
  {
    id: '5',
    title: 'GraphiQL page, 10 GETs/s',
    run: graphiqlAttack,
    describe: (a) => {
      const c = a.compressed as { bytes: number; statuses: unknown; p50Ms: number };
      const u = a.uncompressed as { bytes: number; statuses: unknown; p50Ms: number };
      const held = a.unreadHeld as { responses: number; rssGrowthMiB: number };
      return `${a.requests} GETs: compressed ${round(c.bytes / 1024, 0)} KiB p50 ${round(c.p50Ms)} ms; uncompressed ${round(u.bytes / 1024, 0)} KiB p50 ${round(u.p50Ms)} ms; ${held.responses} unread held 5 s: RSS +${round(held.rssGrowthMiB, 0)} MiB`;
    },
    durationMs: () => 0,
  },
  {
    id: '6',
    title: '1,000 sockets trickling headers',
    run: trickleAttack,
    describe: (a) =>
      `${a.connected} connected: closed by server ${a.closedByServer} after p50 ${round(Number(a.closeP50Ms) / 1000, 1)} s, max ${round(Number(a.closeMaxMs) / 1000, 1)} s; open at cap ${a.openAtCap}; ${outcomesText(a.responses)}`,
    durationMs: () => 0,
  },
];

// --- one attack --------------------------------------------------------------------------------

async function runAttack(
  spec: AttackSpec,
  repetition: number,
  options: AbuseOptions,
  durationMs: number,
): Promise<AttackRun> {
  const { quick } = options;
  const readsPerSecond = spec.scaledBudget
    ? (options.scaledReadsPerSecond ?? defaultScaledReadsPerSecond)
    : defaultReadBudget.perSecond;
  const gateway = await startGateway({
    dynamoEndpoint: options.dynamoEndpoint,
    tablePrefix: options.tablePrefix,
    env: {
      EVENTLOOM_API_KEYS: apiKeys,
      ...(spec.scaledBudget
        ? {
            EVENTLOOM_TENANT_READS_PER_SECOND: String(readsPerSecond),
            EVENTLOOM_TENANT_READ_BURST: String(2 * readsPerSecond),
          }
        : {}),
    },
  });
  let probe: Probe | undefined;
  try {
    probe = await startProbe({
      graphqlUrl: gateway.url,
      authorization: `Bearer ${victimKey}`,
      perSecond: probeRate.headPerSecond,
      rawPerSecond: probeRate.rawPerSecond,
      dynamoEndpoint: options.dynamoEndpoint,
      table: options.table,
      counterKey: { pk: counterPk(victimTenant), sk: counterSk },
      timeoutMs: probeRate.timeoutMs,
    });
    // Warm-up (not measured): a fresh gateway's first requests are slow (JIT, connections).
    await post(gateway.url, attackerKey, '{ head }');
    await sleep(2000);
    probe.phase('idle');
    const load1 = loadavg()[0] ?? Number.NaN;
    await sleep(quick ? 3000 : 5000);
    const before = await scrapeText(gateway.metricsUrl);
    const rssBefore = await procStatus(gateway.pid);
    probe.phase('attack');
    const sampler = sampleRss(gateway.pid);
    const attackStarted = performance.now();
    const attacker = await spec.run({ gateway, durationMs, quick });
    const attackSeconds = (performance.now() - attackStarted) / 1000;
    const duringAttack = await scrapeText(gateway.metricsUrl);
    probe.phase('after');
    // At least 5 s, and until the gateway has made no Query for 1 s (at most afterCapSeconds).
    const afterCapMs = (options.afterCapSeconds ?? 60) * 1000;
    const afterStarted = performance.now();
    let lastQueries = sumIn(duringAttack.text, 'eventloom_dynamodb_calls_total', 'operation="Query"');
    let lastChange = afterStarted;
    let queriesQuietAfterMs = Number.NaN;
    const afterQueriesPerSecond: number[] = [];
    let secondStartQueries = lastQueries;
    let secondStarted = afterStarted;
    while (performance.now() - afterStarted < afterCapMs) {
      await sleep(250);
      const queries = await scrapeText(gateway.metricsUrl).then((scrape) =>
        sumIn(scrape.text, 'eventloom_dynamodb_calls_total', 'operation="Query"'),
      );
      if (performance.now() - secondStarted >= 1000) {
        afterQueriesPerSecond.push(
          round(((queries - secondStartQueries) * 1000) / (performance.now() - secondStarted), 0),
        );
        secondStartQueries = queries;
        secondStarted = performance.now();
      }
      if (queries !== lastQueries) {
        lastQueries = queries;
        lastChange = performance.now();
      }
      if (Number.isNaN(queriesQuietAfterMs) && performance.now() - lastChange >= 1000)
        queriesQuietAfterMs = lastChange - afterStarted;
      if (!Number.isNaN(queriesQuietAfterMs) && performance.now() - afterStarted >= (quick ? 3000 : 5000))
        break;
    }
    const after = await scrapeText(gateway.metricsUrl);
    const afterSeconds = (performance.now() - afterStarted) / 1000;
    const sampledPeak = await sampler.stop();
    const rssAfter = await procStatus(gateway.pid);
    const record = await probe.stop();
    const victim = {
      idle: summarizeProbe(record, 'idle', 'graphql'),
      attack: summarizeProbe(record, 'attack', 'graphql'),
      after: summarizeProbe(record, 'after', 'graphql'),
    };
    const raw = {
      idle: summarizeProbe(record, 'idle', 'raw'),
      attack: summarizeProbe(record, 'attack', 'raw'),
    };
    const phaseStart = (name: string) => record.phases.find((phase) => phase.name === name)?.startedAt ?? 0;
    const victimFailures = record.samples
      .filter((sample) => sample.kind === 'graphql' && sample.outcome !== 'ok' && sample.phase !== 'warmup')
      .slice(0, 50)
      .map((sample) => ({
        phase: sample.phase,
        atSeconds: round((sample.sentAt - phaseStart(sample.phase)) / 1000, 2),
        latencyMs: round(sample.latencyMs),
        outcome: sample.outcome,
      }));
    const delta = (name: string, label = '') =>
      sumIn(duringAttack.text, name, label) - sumIn(before.text, name, label);
    return {
      attack: spec.id,
      title: spec.title,
      repetition,
      readsPerSecond,
      load1,
      attackSeconds,
      afterSeconds,
      victim,
      raw,
      victimFailures,
      p50Ratio: victim.attack.p50 / victim.idle.p50,
      p99Ratio: victim.attack.p99 / victim.idle.p99,
      idleVsRaw: victim.idle.p50 / raw.idle.p50,
      attackVsRaw: victim.attack.p50 / raw.idle.p50,
      rss: {
        beforeMiB: mib(rssBefore.rss),
        peakMiB: mib(rssAfter.hwm > rssBefore.hwm ? rssAfter.hwm : Math.max(sampledPeak, rssBefore.rss)),
        afterMiB: mib(rssAfter.rss),
        sampledPeakMiB: mib(sampledPeak),
        hwmMiB: mib(rssAfter.hwm),
      },
      calls: calls(before, duringAttack, attackSeconds),
      callsAfter: calls(duringAttack, after, afterSeconds),
      dynamoErrors: {
        attack: growth(before, duringAttack, 'eventloom_dynamodb_errors_total'),
        after: growth(duringAttack, after, 'eventloom_dynamodb_errors_total'),
      },
      dynamoMeanMs: {
        getItem:
          (1000 * delta('eventloom_dynamodb_duration_seconds_sum', 'operation="GetItem"')) /
          delta('eventloom_dynamodb_duration_seconds_count', 'operation="GetItem"'),
        query:
          (1000 * delta('eventloom_dynamodb_duration_seconds_sum', 'operation="Query"')) /
          delta('eventloom_dynamodb_duration_seconds_count', 'operation="Query"'),
      },
      eventLoopDelayMs: {
        mean: 1000 * sumIn(duringAttack.text, 'eventloom_nodejs_eventloop_lag_mean_seconds'),
        p99: 1000 * sumIn(duringAttack.text, 'eventloom_nodejs_eventloop_lag_p99_seconds'),
        max: 1000 * sumIn(duringAttack.text, 'eventloom_nodejs_eventloop_lag_max_seconds'),
      },
      gatewayCpuPercent: (100 * delta('eventloom_process_cpu_seconds_total')) / attackSeconds,
      readsRefused: delta('eventloom_rate_limited_total', 'limit="tenant_reads"'),
      readsDelayed: delta('eventloom_tenant_reads_delayed_total', `tenant="${attackerTenant}"`),
      queriesQuietAfterMs,
      afterQueriesPerSecond,
      subscriptionsAfter: sumIn(after.text, 'eventloom_subscriptions'),
      metrics: {
        bytesBefore: before.bytes,
        bytesAfterAttack: duringAttack.bytes,
        bytesAfter: after.bytes,
        statusAfter: after.status,
        scrapeMsAfter: after.ms,
        operationLabelsAfter: operationLabels(after.text),
      },
      attacker,
    };
  } finally {
    probe?.kill();
    await gateway.stop();
  }
}

/** The median of every number over the runs (a count missing from a run counts 0); the rest from the first. */
function medianDeep(values: readonly unknown[]): unknown {
  const first = values.find((value) => value !== undefined);
  if (typeof first === 'number')
    return median(values.map((value) => (typeof value === 'number' ? value : 0)));
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const keys = new Set(values.flatMap((value) => Object.keys((value ?? {}) as object)));
    return Object.fromEntries(
      [...keys].map((key) => [
        key,
        medianDeep(values.map((value) => (value as Record<string, unknown> | undefined)?.[key])),
      ]),
    );
  }
  return first;
}

export async function abuseScenario(options: AbuseOptions): Promise<AbuseResult> {
  const { log } = options;
  const attacker = options.seeder.forTenant(attackerTenant);
  const seedStarted = performance.now();
  if ((await attacker.headPosition()) < attackerLogSize) await seedLog(attacker, attackerLogSize, log);
  const victim = options.seeder.forTenant(victimTenant);
  if ((await victim.headPosition()) === 0)
    await victim.append({ stream: { name: 'victim' }, events: [{ type: 'Seeded', data: { n: 1 } }] });
  const seeded = {
    attackerEvents: await attacker.headPosition(),
    seconds: (performance.now() - seedStarted) / 1000,
  };
  const timedMs = (options.attackSeconds ?? (options.quick ? 6 : 15)) * 1000;
  const runs: AttackRun[] = [];
  const medians: Record<string, AttackRun> = {};
  const result = (): AbuseResult => ({
    attacks: [...options.attacks],
    repetitions: options.repetitions,
    probe: probeRate,
    seeded,
    medians,
    runs,
  });
  for (const spec of specs.filter((candidate) => options.attacks.includes(candidate.id))) {
    log(`  attack ${spec.id}: ${spec.title}`);
    const mine: AttackRun[] = [];
    for (let repetition = 1; repetition <= options.repetitions; repetition++) {
      const run = await runAttack(spec, repetition, options, spec.durationMs?.(options.quick) ?? timedMs);
      mine.push(run);
      runs.push(run);
      const v = run.victim;
      log(
        `    rep ${repetition} (load ${round(run.load1, 2)}): B head p50 ${round(v.idle.p50)} -> ${round(v.attack.p50)} ms (${round(run.p50Ratio, 2)}×), p99 ${round(v.idle.p99)} -> ${round(v.attack.p99)} ms, errors ${v.attack.errors}, longest gap ${round(v.attack.longestGapMs, 0)} ms; raw GetItem p50 ${round(run.raw.idle.p50)} / ${round(run.raw.attack.p50)} ms; RSS ${round(run.rss.beforeMiB, 0)} / ${round(run.rss.peakMiB, 0)} / ${round(run.rss.afterMiB, 0)} MiB; calls ${round(run.calls.perSecond, 0)}/s (Query ${round(run.calls.queryPerSecond, 0)}/s), reads refused ${run.readsRefused}; gateway CPU ${round(run.gatewayCpuPercent, 0)}%; gateway's GetItem/Query mean ${round(run.dynamoMeanMs.getItem)}/${round(run.dynamoMeanMs.query)} ms; event-loop delay p99/max ${round(run.eventLoopDelayMs.p99)}/${round(run.eventLoopDelayMs.max)} ms; /metrics ${run.metrics.bytesBefore} -> ${run.metrics.bytesAfter} B`,
      );
      log(
        `      after: B head p50 ${round(v.after.p50)} ms, errors ${v.after.errors}; Query ${round(run.callsAfter.queryPerSecond, 0)}/s over ${round(run.afterSeconds, 0)} s, ${Number.isNaN(run.queriesQuietAfterMs) ? 'still querying at its end' : `quiet after ${round(run.queriesQuietAfterMs / 1000, 1)} s`}; open subscriptions ${run.subscriptionsAfter}; DynamoDB errors ${JSON.stringify(run.dynamoErrors)}`,
      );
      log(`      attacker: ${spec.describe(run.attacker)}`);
      medians[spec.id] = medianDeep(mine) as AttackRun;
      options.onProgress?.(result());
    }
  }
  return result();
}

export function printAbuse(result: AbuseResult): void {
  const worst = (attack: string, read: (run: AttackRun) => number) =>
    Math.max(...result.runs.filter((run) => run.attack === attack).map(read));
  const ordered = specs.flatMap((spec) => {
    const row = result.medians[spec.id];
    return row ? [[spec.id, row] as const] : [];
  });
  console.table(
    Object.fromEntries(
      ordered.map(([id, row]) => [
        id,
        {
          'B head p50 ms idle → attack': `${round(row.victim.idle.p50)} → ${round(row.victim.attack.p50)} (${round(row.p50Ratio, 2)}×)`,
          'B head p99 ms': `${round(row.victim.idle.p99)} → ${round(row.victim.attack.p99)} (${round(row.p99Ratio, 2)}×)`,
          'B errors (worst run)': `${row.victim.attack.errors} (${worst(id, (run) => run.victim.attack.errors)})`,
          'B longest gap ms': round(row.victim.attack.longestGapMs, 0),
          'raw GetItem p50 idle / attack': `${round(row.raw.idle.p50)} / ${round(row.raw.attack.p50)}`,
          'RSS MiB before / peak / after': `${round(row.rss.beforeMiB, 0)} / ${round(row.rss.peakMiB, 0)} / ${round(row.rss.afterMiB, 0)}`,
          'DynamoDB calls/s (Query/s)': `${round(row.calls.perSecond, 0)} (${round(row.calls.queryPerSecond, 0)})`,
          'gateway CPU %': round(row.gatewayCpuPercent, 0),
        },
      ]),
    ),
  );
  for (const [id, row] of ordered) {
    const spec = specs.find((candidate) => candidate.id === id);
    if (spec) console.log(`  ${id}: ${spec.describe(row.attacker)}`);
  }
}
