/**
 * Abuse through GraphQL requests, against a real gateway process (all traffic on 127.0.0.1):
 * operation names meant to grow /metrics without bound, and requests meant to make the
 * gateway leak internals into responses or logs. Each test asserts the gateway's behaviour,
 * that nothing answered 5xx, and that a second tenant's `{ head }` kept working meanwhile.
 */
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  type GatewayProcess,
  graphqlPost,
  headAnswersOk,
  metricsText,
  type PostResult,
  useGatewayProcess,
  whileReadingHead,
} from '../support/gateway-process.js';
import { until } from '../support/until.js';

const keyA = 'abuse-requests-key-a-0123456789';
const keyB = 'abuse-requests-key-b-0123456789';
const gateway = useGatewayProcess({
  env: { EVENTLOOM_API_KEYS: `${keyA}=tenantA,${keyB}=tenantB`, LOG_LEVEL: 'info' },
});

/** Runs `attack` while tenant B reads `{ head }`; fails unless every one of B's reads was served. */
async function whileTenantBReads<T>(g: GatewayProcess, attack: () => Promise<T>): Promise<T> {
  const { result, answers } = await whileReadingHead(g.url, keyB, attack);
  expect(headAnswersOk(answers)).toBeNull();
  return result;
}

/** Runs `count` tasks, `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) results[i] = await task(i);
    }),
  );
  return results;
}

/**
 * Runs each query over one graphql-ws connection (tenant A's key), 50 at a time; resolves
 * with 'ok' for each that answered data and completed, else what it got.
 */
function runOverWebSocket(wsUrl: string, queries: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const answers: string[] = new Array(queries.length);
    let next = 0;
    let done = 0;
    const send = () => {
      const id = next++;
      if (id < queries.length) {
        socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: queries[id] } }));
      }
    };
    socket.once('error', reject);
    socket.once('close', (code) => {
      if (done < queries.length) reject(new Error(`closed with ${code} after ${done} answers`));
    });
    socket.once('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${keyA}` } })),
    );
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { id?: string; type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        for (let i = 0; i < 50; i++) send();
        return;
      }
      const id = Number(message.id);
      if (message.type === 'next') {
        const data = (message.payload as { data?: { __typename?: string } }).data;
        answers[id] = data?.__typename === 'Query' ? 'ok' : JSON.stringify(message.payload);
      } else if (message.type === 'error') {
        answers[id] = JSON.stringify(message.payload);
      }
      if (message.type === 'complete' || message.type === 'error') {
        done++;
        if (done === queries.length) {
          socket.close(1000);
          resolve(answers);
        } else send();
      }
    });
  });
}

const stackTrace = /\n\s+at [^\n]+\(?[^\n]*:\d+:\d+/;

describe('finding 2: unbounded metric labels', () => {
  test('3,000 distinct operation names and names of 200 KB leave /metrics bounded, with "other"', async () => {
    const g = gateway();
    const stamp = Date.now();
    const before = await metricsText(g.metricsUrl);
    expect(before.status).toBe(200);

    const results = await whileTenantBReads(g, async () => {
      // 1,000 names over HTTP, 2,000 over WebSocket (cheaper): both transports count operations alike.
      const overWs = runOverWebSocket(
        g.wsUrl,
        Array.from({ length: 2000 }, (_, i) => `query Ws${i}x${stamp} { __typename }`),
      );
      const overHttp = pool(1000, 16, (i) =>
        graphqlPost(g.url, { query: `query Http${i}x${stamp} { __typename }` }, { key: keyA }),
      );
      const [wsAnswers, httpAnswers] = await Promise.all([overWs, overHttp]);
      expect(wsAnswers.filter((answer) => answer !== 'ok')).toEqual([]);
      const huge = await pool(4, 2, (i) =>
        graphqlPost(g.url, { query: `query ${'N'.repeat(200_000)}${i} { __typename }` }, { key: keyA }),
      );
      return [...httpAnswers, ...huge];
    });
    expect(results.map((result) => result.status).filter((status) => status !== 200)).toEqual([]);

    const after = await metricsText(g.metricsUrl);
    expect(after.status).toBe(200);
    expect(after.text.length - before.text.length).toBeLessThan(1024 * 1024);
    expect(after.text).toContain('operation="other"');
    expect(after.text).not.toMatch(stackTrace);
    // No label carries a 200 KB name: every line stays short.
    expect(Math.max(...after.text.split('\n').map((line) => line.length))).toBeLessThan(1000);
    // The documented bound: 200 distinct client-chosen names, then "other".
    const operations = new Set(
      after.text
        .split('\n')
        .filter((line) => line.startsWith('eventloom_graphql_requests_total{'))
        .map((line) => /operation="([^"]*)"/.exec(line)?.[1]),
    );
    expect(operations.size).toBeLessThanOrEqual(200 + 3);

    // /metrics is not served on the API port, with or without a key.
    const headerSets: Record<string, string>[] = [{}, { authorization: `Bearer ${keyA}` }];
    for (const headers of headerSets) {
      const response = await fetch(`${g.origin}/metrics`, { headers });
      const text = await response.text();
      expect(response.status).not.toBe(200);
      expect(response.status).toBeLessThan(500);
      expect(text).not.toContain('eventloom_');
    }
  });
});

/** The gateway's JSON log lines written after `offset` characters of its stdout. */
function logLinesSince(g: GatewayProcess, offset: number): Array<Record<string, unknown>> {
  return g
    .output()
    .slice(offset)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { unparsed: line };
      }
    });
}

/** The request lines (one per HTTP request) logged after `offset`, of responses with `status`. */
function requestLines(g: GatewayProcess, offset: number, status: number): Array<Record<string, unknown>> {
  return logLinesSince(g, offset).filter((line) => line.msg === 'request' && line.status === status);
}

describe('finding 7: leaks in responses and logs', () => {
  const malformedBodies = [
    '{"query": "{ head }"',
    '{"query": ',
    '\u0000\u00ff{{{',
    '[1, 2',
    '{"query": "{ head }", }',
  ];

  test('malformed JSON answers without internals; a bad cursor answers BAD_USER_INPUT and logs no error or stack', async () => {
    const g = gateway();
    const stderrOffset = g.errors().length;
    const answers = await whileTenantBReads(g, async () => {
      const malformedOffset = g.output().length;
      const malformed: PostResult[] = [];
      for (const body of malformedBodies) malformed.push(await graphqlPost(g.url, body, { key: keyA }));
      // Their log lines are all in (a request line ends each) before the bad cursors are sent.
      await until(
        () => requestLines(g, malformedOffset, 400).length >= malformedBodies.length,
        'the request lines of the malformed bodies',
        10_000,
      );
      const cursorOffset = g.output().length;
      const cursors: PostResult[] = [];
      for (const after of ['garbage', 'cDoxMjM0', '%%%', 'x'.repeat(5000)]) {
        cursors.push(
          await graphqlPost(
            g.url,
            {
              query: 'query BadCursor($after: String) { streams(after: $after) { edges { cursor } } }',
              variables: { after },
            },
            { key: keyA },
          ),
        );
      }
      return { malformed, cursors, cursorOffset };
    });

    for (const result of answers.malformed) {
      expect(result.status).toBeGreaterThanOrEqual(400);
      expect(result.status).toBeLessThan(500);
      expect(result.text).not.toMatch(/originalError|SyntaxError|JSON at position|Unexpected token/);
      expect(result.text).not.toMatch(stackTrace);
    }
    for (const result of answers.cursors) {
      expect(result.status).toBeLessThan(500);
      expect(result.body?.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(result.text).not.toMatch(stackTrace);
    }

    // The gateway logged each bad-cursor request (its request line), but no error and no stack.
    await until(
      () =>
        requestLines(g, answers.cursorOffset, 200).filter(
          (line) => String(line.errorCodes) === 'BAD_USER_INPUT',
        ).length >= answers.cursors.length,
      'the request lines of the bad cursors',
      10_000,
    );
    const lines = logLinesSince(g, answers.cursorOffset);
    expect(lines.filter((line) => 'unparsed' in line)).toEqual([]);
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(g.output().slice(answers.cursorOffset)).not.toMatch(/"stack"|\\n\s+at |\n\s+at /);
    expect(g.errors().slice(stderrOffset)).toBe('');
  });

  // Found by this test, fixed in src/observability/yoga-logging.ts: yoga's 4xx refusals are the
  // client's mistake, not the gateway's error.
  test('malformed JSON bodies are not logged as errors: no stack, no quote of the body', async () => {
    const g = gateway();
    const offset = g.output().length;
    for (const body of malformedBodies) await graphqlPost(g.url, body, { key: keyA });
    await until(
      () => requestLines(g, offset, 400).length >= malformedBodies.length,
      'the request lines',
      10_000,
    );
    const lines = logLinesSince(g, offset);
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(g.output().slice(offset)).not.toMatch(/"stack"|originalError|SyntaxError/);
  });
});
