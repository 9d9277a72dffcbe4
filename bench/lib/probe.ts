/**
 * A steady probe in a process of its own (bench/lib/probe-child.ts), so that an attack run by the
 * bench process cannot delay its timers: a victim tenant's GraphQL `{ head }` at a fixed rate
 * over keep-alive HTTP, open loop (each request is sent when due, whatever the earlier ones are
 * doing), and beside it a raw consistent GetItem of the victim's counter item (what `head` costs
 * in DynamoDB). Every sample is tagged with the phase the parent set last (e.g. idle, attack,
 * after); `summarizeProbe` gives a phase's percentiles, errors and longest stretch without a
 * successful answer.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile } from './stats.js';

export interface ProbeConfig {
  graphqlUrl: string;
  /** `Bearer <key>` of the victim. */
  authorization: string;
  /** `{ head }` requests a second. */
  perSecond: number;
  /** Raw GetItem calls a second (0: none). */
  rawPerSecond: number;
  dynamoEndpoint: string;
  table: string;
  /** The victim's counter item. */
  counterKey: { pk: string; sk: string };
  /** A request without an answer after this long counts as a timeout (at this latency). */
  timeoutMs: number;
}

export type ProbeKind = 'graphql' | 'raw';

export interface ProbeSample {
  kind: ProbeKind;
  phase: string;
  /** When it was sent, ms since the probe started. */
  sentAt: number;
  latencyMs: number;
  /** `ok`, `http-<status>`, `graphql-<code>`, `timeout` or `network-<code>`. */
  outcome: string;
}

export interface ProbePhase {
  name: string;
  /** ms since the probe started. */
  startedAt: number;
  endedAt: number;
}

export interface ProbeRecord {
  samples: ProbeSample[];
  phases: ProbePhase[];
}

export interface Probe {
  /** Tags the samples sent from now on. */
  phase(name: string): void;
  /** Stops sending, waits for the answers (at most the timeout) and returns everything. */
  stop(): Promise<ProbeRecord>;
  /** Ends the probe's process at once (after a failure; a no-op once it has exited). */
  kill(): void;
}

export type ProbeMessage =
  | { type: 'start'; config: ProbeConfig }
  | { type: 'phase'; name: string }
  | { type: 'stop' };

const childScript = fileURLToPath(new URL('./probe-child.ts', import.meta.url));

export async function startProbe(config: ProbeConfig, firstPhase = 'warmup'): Promise<Probe> {
  const child = fork(childScript, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const send = (message: ProbeMessage) => child.send(message);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message: { type?: string }) =>
      message.type === 'ready' ? resolve() : reject(new Error(`probe: ${JSON.stringify(message)}`)),
    );
    child.once('exit', (code) => reject(new Error(`probe exited with ${code}`)));
  });
  send({ type: 'phase', name: firstPhase });
  send({ type: 'start', config });
  return {
    phase: (name) => send({ type: 'phase', name }),
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async stop() {
      const record = new Promise<ProbeRecord>((resolve) =>
        child.on('message', (message: { type?: string; record?: ProbeRecord }) => {
          if (message.type === 'record' && message.record) resolve(message.record);
        }),
      );
      send({ type: 'stop' });
      const result = await record;
      await exited;
      return result;
    },
  };
}

export interface ProbeSummary {
  requests: number;
  ok: number;
  /** Answers that were not a success: HTTP errors, GraphQL errors, network errors, timeouts. */
  errors: number;
  http5xx: number;
  timeouts: number;
  /** Over every request of the phase, errors included (a timeout at the timeout). */
  p50: number;
  p99: number;
  max: number;
  /** The longest stretch of the phase without a successful answer, ms. */
  longestGapMs: number;
  outcomes: Record<string, number>;
}

export function summarizeProbe(record: ProbeRecord, phaseName: string, kind: ProbeKind): ProbeSummary {
  const samples = record.samples.filter((sample) => sample.kind === kind && sample.phase === phaseName);
  const phase = record.phases.find((candidate) => candidate.name === phaseName);
  const latencies = samples.map((sample) => sample.latencyMs);
  const outcomes: Record<string, number> = {};
  for (const sample of samples) outcomes[sample.outcome] = (outcomes[sample.outcome] ?? 0) + 1;
  // Successful answers in time order; gaps between them, and from the phase's start and to its end.
  const answers = samples
    .filter((sample) => sample.outcome === 'ok')
    .map((sample) => sample.sentAt + sample.latencyMs)
    .sort((a, b) => a - b);
  let longestGapMs = 0;
  if (phase) {
    let previous = phase.startedAt;
    for (const at of answers) {
      longestGapMs = Math.max(longestGapMs, at - previous);
      previous = Math.max(previous, at);
    }
    longestGapMs = Math.max(longestGapMs, phase.endedAt - previous);
  }
  return {
    requests: samples.length,
    ok: outcomes.ok ?? 0,
    errors: samples.length - (outcomes.ok ?? 0),
    http5xx: samples.filter((sample) => /^http-5/.test(sample.outcome)).length,
    timeouts: outcomes.timeout ?? 0,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length
      ? latencies.reduce((largest, value) => Math.max(largest, value), -Infinity)
      : Number.NaN,
    longestGapMs,
    outcomes,
  };
}
