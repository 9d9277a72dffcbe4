// A "gateway" process for the attack tests: two store instances (own clients, own committers)
// doing random appends (versioned, unversioned, wrong on purpose, bulk), retries of earlier
// requests (its own and other processes'), deletions (with/without expected version) and
// snapshots on a few shared streams. Every answer is appended synchronously to a journal file,
// so a SIGKILL loses only what was never answered.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials } from '../../../src/dynamodb/local.js';
import {
  type AppendRequest,
  createDynamoEventStore,
  type TenantEventStore,
} from '../../../src/store/index.js';
import { seededRandom } from '../../support/random.js';
import { ackEventOf } from './checker.js';

const [endpoint, prefix, tenant, name, seedArg, durationArg, dir, loopsArg] = process.argv.slice(
  2,
) as string[];
const rand = seededRandom(Number(seedArg) >>> 0 || 1);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const uuid = () => {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '8';
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
};

const journal = join(dir!, `${name}.jsonl`);
const requests = join(dir!, `${name}.req.jsonl`);
const log = (entry: object) =>
  appendFileSync(journal, `${JSON.stringify({ w: name, at: Date.now(), ...entry })}\n`);

const stores: TenantEventStore[] = [0, 1].map(() => {
  const client = new DynamoDBClient({ endpoint: endpoint!, region: 'local', credentials: localCredentials });
  return createDynamoEventStore({ client, tablePrefix: prefix! }).forTenant(tenant!);
});
const streams = [
  { name: 's0', category: null },
  { name: 's1', category: null },
  { name: 's2', category: 'c' },
];
const mine: AppendRequest[] = [];

function otherRequests(): AppendRequest[] {
  const found: AppendRequest[] = [];
  for (const file of readdirSync(dir!)) {
    if (!file.endsWith('.req.jsonl') || file === `${name}.req.jsonl`) continue;
    const path = join(dir!, file);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        found.push(JSON.parse(line) as AppendRequest);
      } catch {
        // a line being written
      }
    }
  }
  return found;
}

function errName(error: unknown): string {
  return (error as Error)?.name ?? String(error);
}

async function doAppend(inst: number, request: AppendRequest, kind: string) {
  const store = stores[inst]!;
  const ids = request.events.map((event) => event.id);
  log({
    t: 'append-begin',
    kind,
    inst,
    stream: request.stream,
    expectedVersion: request.expectedVersion ?? null,
    ids,
  });
  try {
    const result = await store.append(request);
    log({
      t: 'append',
      kind,
      inst,
      stream: request.stream,
      expectedVersion: request.expectedVersion ?? null,
      ids,
      ok: true,
      replayed: result.replayed,
      info: { version: result.stream.version, versioned: result.stream.versioned },
      events: result.events.map(ackEventOf),
    });
  } catch (error) {
    log({
      t: 'append',
      kind,
      inst,
      stream: request.stream,
      expectedVersion: request.expectedVersion ?? null,
      ids,
      ok: false,
      err: errName(error),
      msg: (error as Error)?.message,
    });
  }
}

async function op() {
  const inst = rand() < 0.5 ? 0 : 1;
  const store = stores[inst]!;
  const stream = pick(streams);
  const r = rand();
  if (r < 0.42) {
    const info = await store.getStream(stream).catch(() => null);
    const bulk = rand() < (name === 'w0' ? 0.35 : 0.12);
    const count = bulk ? 32 : 1 + Math.floor(rand() * 3);
    let expectedVersion: number | null;
    const q = rand();
    if (info === null) expectedVersion = q < 0.5 ? 0 : null;
    else if (info.versioned)
      expectedVersion =
        q < 0.8 ? info.version : q < 0.88 ? Math.max(0, info.version - 1) : q < 0.94 ? null : 0;
    else expectedVersion = q < 0.85 ? null : q < 0.95 ? info.version : 0;
    const request: AppendRequest = {
      stream,
      expectedVersion,
      events: Array.from({ length: count }, (_, k) => ({ id: uuid(), type: 'T', data: { w: name, k } })),
    };
    mine.push(request);
    appendFileSync(requests, `${JSON.stringify(request)}\n`);
    await doAppend(inst, request, bulk ? 'bulk' : 'new');
  } else if (r < 0.62) {
    const pool = rand() < 0.5 ? mine : otherRequests();
    if (pool.length === 0) return;
    // Prefer recent requests: they race the deletions and re-creations now running.
    const index = Math.max(0, pool.length - 1 - Math.floor(rand() * rand() * pool.length));
    await doAppend(inst, pool[index]!, 'retry');
  } else if (r < 0.8) {
    const info = await store.getStream(stream).catch(() => null);
    const q = rand();
    const expected = q < 0.45 ? null : info === null ? 0 : q < 0.9 ? info.version : info.version + 1;
    log({ t: 'delete-begin', inst, stream, expected, version: info?.version ?? null });
    try {
      const result = await store.deleteStream(stream, expected);
      log({ t: 'delete', inst, stream, expected, ok: true, deletedEvents: result.deletedEvents });
    } catch (error) {
      log({ t: 'delete', inst, stream, expected, ok: false, err: errName(error) });
    }
  } else if (r < 0.92) {
    const info = await store.getStream(stream).catch(() => null);
    if (info === null || info.version === 0) return;
    const version = 1 + Math.floor(rand() * info.version);
    try {
      await store.saveSnapshot({ stream, version, type: 'S', data: { w: name, version } });
      log({ t: 'snap', inst, stream, version, ok: true });
    } catch (error) {
      log({ t: 'snap', inst, stream, version, ok: false, err: errName(error) });
    }
  } else {
    await new Promise((resolve) => setTimeout(resolve, rand() * 20));
  }
}

const until = Date.now() + Number(durationArg);
const loops = Number(loopsArg ?? 4);
log({ t: 'start', pid: process.pid });
await Promise.all(
  Array.from({ length: loops }, async () => {
    while (Date.now() < until) await op();
  }),
);
log({ t: 'end' });
process.exit(0);
