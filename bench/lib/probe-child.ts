/**
 * The probe's process (started by bench/lib/probe.ts over IPC): sends the victim's `{ head }`
 * and raw GetItem calls at their rates until told to stop, then sends back every sample.
 */
import { Agent, request } from 'node:http';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { localCredentials } from '../../src/dynamodb/local.js';
import type { ProbeConfig, ProbeKind, ProbeMessage, ProbePhase, ProbeSample } from './probe.js';

const started = performance.now();
const now = () => performance.now() - started;
const samples: ProbeSample[] = [];
const phases: ProbePhase[] = [];
const inFlight = new Set<Promise<void>>();
let stopping = false;
const timers = new Map<ProbeKind, NodeJS.Timeout>();

function setPhase(name: string) {
  const at = now();
  const current = phases.at(-1);
  if (current) current.endedAt = at;
  phases.push({ name, startedAt: at, endedAt: at });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

/** One `{ head }` over keep-alive HTTP: its outcome. */
function head(config: ProbeConfig, body: string): Promise<string> {
  return new Promise((resolve) => {
    const url = new URL(config.graphqlUrl);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        timeout: config.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: config.authorization,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error: NodeJS.ErrnoException) => resolve(`network-${error.code ?? 'error'}`));
        response.on('end', () => {
          if (response.statusCode !== 200) return resolve(`http-${response.statusCode}`);
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as {
              data?: { head?: unknown };
              errors?: Array<{ extensions?: { code?: string } }>;
            };
            if (parsed.errors?.length)
              return resolve(`graphql-${parsed.errors[0]?.extensions?.code ?? 'ERROR'}`);
            resolve(typeof parsed.data?.head === 'number' ? 'ok' : 'graphql-NO_DATA');
          } catch {
            resolve('graphql-BAD_JSON');
          }
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(`network-${error.code ?? 'error'}`));
    req.end(body);
  });
}

function start(config: ProbeConfig) {
  const client = new DynamoDBClient({
    endpoint: config.dynamoEndpoint,
    region: 'local',
    credentials: localCredentials,
  });
  const body = JSON.stringify({ query: '{ head }' });
  const getItem = new GetItemCommand({
    TableName: config.table,
    Key: marshall(config.counterKey),
    ConsistentRead: true,
  });
  const raw = async (): Promise<string> => {
    try {
      await client.send(getItem, { abortSignal: AbortSignal.timeout(config.timeoutMs) });
      return 'ok';
    } catch (error) {
      const name = (error as Error).name;
      return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : `network-${name}`;
    }
  };
  /** Open loop: the n-th call is sent at n / rate, late ones at once. */
  const loop = (kind: ProbeKind, perSecond: number, call: () => Promise<string>) => {
    if (perSecond <= 0) return;
    const interval = 1000 / perSecond;
    const loopStart = now();
    let sent = 0;
    const tick = () => {
      if (stopping) return;
      while (loopStart + sent * interval <= now()) {
        sent++;
        const phase = phases.at(-1)?.name ?? 'none';
        const sentAt = now();
        const done: Promise<void> = call().then((outcome) => {
          const latencyMs = outcome === 'timeout' ? config.timeoutMs : now() - sentAt;
          samples.push({ kind, phase, sentAt, latencyMs, outcome });
          inFlight.delete(done);
        });
        inFlight.add(done);
      }
      timers.set(kind, setTimeout(tick, Math.max(0, loopStart + sent * interval - now())));
    };
    tick();
  };
  loop('graphql', config.perSecond, () => head(config, body));
  loop('raw', config.rawPerSecond, raw);
  return client;
}

let client: DynamoDBClient | undefined;
process.on('message', (message: ProbeMessage) => {
  if (message.type === 'phase') setPhase(message.name);
  else if (message.type === 'start') client = start(message.config);
  else if (message.type === 'stop') {
    stopping = true;
    const current = phases.at(-1);
    if (current) current.endedAt = now();
    for (const timer of timers.values()) clearTimeout(timer);
    void Promise.all(inFlight).then(() => {
      agent.destroy();
      client?.destroy();
      process.send?.({ type: 'record', record: { samples, phases } }, () => process.disconnect());
    });
  }
});
// The bench process is gone (it failed): nobody wants the samples.
process.on('disconnect', () => {
  if (!stopping) process.exit(1);
});
process.send?.({ type: 'ready' });
