// A gateway process SIGKILLed in the middle of deleting a 150-event stream (after the mark and
// k of its ~5 transactions); then what other gateways see, and what they do racing each other:
// an unversioned append, an append expecting 0, a deletion expecting the old version, a retry of
// an append acknowledged in the old incarnation, a snapshot; subscribers started on the wreck.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject, test } from 'vitest';
import type { AppendRequest, RecordedEvent } from '../../../src/store/index.js';
import { SubscriptionHub } from '../../../src/subscriptions/index.js';
import { createTestStore, uniquePrefix, uniqueTenant } from '../../support/dynamo.js';
import {
  type AppendEntry,
  ackEventOf,
  checkHistory,
  checkReads,
  readRaw,
  type StreamName,
} from './checker.js';

const script = fileURLToPath(new URL('./kill-deleter.ts', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const killAfter = (process.env.KILL_AFTER ?? '1,2,3').split(',').map(Number);

test.each(killAfter)('SIGKILL after the mark and %i deletion transaction(s)', async (transactions) => {
  const prefix = uniquePrefix('killdel');
  const gateways = await Promise.all([0, 1, 2, 3].map(() => createTestStore(prefix)));
  const tenantName = uniqueTenant('kill');
  const [a, b, c, d] = gateways.map((g) => g.store.forTenant(tenantName)) as [
    ReturnType<(typeof gateways)[0]['store']['forTenant']>,
    ReturnType<(typeof gateways)[0]['store']['forTenant']>,
    ReturnType<(typeof gateways)[0]['store']['forTenant']>,
    ReturnType<(typeof gateways)[0]['store']['forTenant']>,
  ];
  const big: StreamName = { name: 'big', category: null };
  const other: StreamName = { name: 'other', category: null };
  const journal: AppendEntry[] = [];
  const record = async (request: AppendRequest, store: typeof a, kind: string) => {
    const ids = request.events.map((e) => e.id as string);
    try {
      const result = await store.append(request);
      journal.push({
        t: 'append',
        w: 'test',
        kind,
        stream: request.stream as StreamName,
        expectedVersion: request.expectedVersion ?? null,
        ids,
        ok: true,
        replayed: result.replayed,
        info: { version: result.stream.version, versioned: result.stream.versioned },
        events: result.events.map(ackEventOf),
      });
      return result;
    } catch (error) {
      journal.push({
        t: 'append',
        w: 'test',
        kind,
        stream: request.stream as StreamName,
        expectedVersion: request.expectedVersion ?? null,
        ids,
        ok: false,
        err: (error as Error).name,
      });
      return error as Error;
    }
  };
  const seeds: AppendRequest[] = [];
  for (let n = 0; n < 5; n++) {
    const request: AppendRequest = {
      stream: big,
      expectedVersion: n * 30,
      events: Array.from({ length: 30 }, (_, k) => ({
        id: randomUUID(),
        type: 'Old',
        data: { n: n * 30 + k + 1 },
      })),
    };
    seeds.push(request);
    await record(request, n % 2 ? a : b, 'seed');
  }
  await record({ stream: other, events: [{ id: randomUUID(), type: 'O', data: 0 }] }, a, 'seed');
  await a.saveSnapshot({ stream: big, version: 100, type: 'S', data: { at: 100 } });

  const dir = mkdtempSync(join(tmpdir(), 'killdel-'));
  const progress = join(dir, 'progress');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, inject('dynamoEndpoint'), prefix, tenantName, 'big', '150', progress],
    {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  for (;;) {
    await sleep(1);
    if (!existsSync(progress)) continue;
    const lines = readFileSync(progress, 'utf8').split('\n');
    if (
      lines.filter((l) => l === 'TransactWriteItemsCommand').length >= transactions ||
      lines.some((l) => l.startsWith('done'))
    )
      break;
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const progressLines = readFileSync(progress, 'utf8').trim().split('\n');

  // What the others see of the wreck.
  const findings: string[] = [];
  const seen = {
    getStream: await c.getStream(big),
    readStream: (await c.readStream(big, { first: 1000 })).edges.map((e) => e.node.version),
    readStreamSinceSnapshot: (await c.readStream(big, { first: 1000, sinceSnapshot: true })).edges.length,
    latestSnapshot: (await c.latestSnapshot(big))?.version ?? null,
  };
  const logNow = (await c.readLog({ first: 1000 })).edges.map((e) => e.node);
  const liveOld = logNow.filter((e) => e.type === 'Old').map((e) => e.version);
  findings.push(...(await checkReads(c, [big, other])));
  if (seen.latestSnapshot !== null && seen.getStream === null)
    findings.push(`latestSnapshot of the deleted stream: v${seen.latestSnapshot}`);
  if (liveOld.length > 0)
    findings.push(
      `readLog still delivers ${liveOld.length} events of the deleted stream (v${liveOld[0]}..v${liveOld.at(-1)})`,
    );

  // Subscribers started on the wreck: streamEvents from version 0, and the log from 0.
  const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 60 } });
  const streamSub = await hub.streamEvents(d, { stream: big, afterVersion: 0 });
  const got: RecordedEvent[] = [];
  let stop = false;
  const consumer = (async () => {
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    while (!stop) {
      pending ??= streamSub.next();
      const next = await Promise.race([pending, sleep(200).then(() => 'timeout' as const)]);
      if (next === 'timeout') continue;
      pending = undefined;
      if (next.done) break;
      got.push(next.value);
    }
  })();
  await sleep(150);

  // The others continue, racing: unversioned append, append expecting 0, deletion expecting
  // 150, a retry of the last seed (acknowledged in the old incarnation), a snapshot.
  const unversioned: AppendRequest = { stream: big, events: [{ id: randomUUID(), type: 'U', data: 1 }] };
  const fresh: AppendRequest = {
    stream: big,
    expectedVersion: 0,
    events: [{ id: randomUUID(), type: 'Z', data: 1 }],
  };
  const outcomes = await Promise.allSettled([
    record(unversioned, a, 'unversioned'),
    record(fresh, b, 'expect0'),
    c.deleteStream(big, 150),
    record(seeds[4]!, d, 'retry-seed'),
    a.saveSnapshot({ stream: big, version: 1, type: 'S', data: { late: true } }),
  ]);
  await sleep(1500);
  stop = true;
  await streamSub.return();
  await consumer;
  await hub.close();

  const raw = await readRaw(gateways[0]!.client, prefix, tenantName, [big, other]);
  const notes: string[] = [];
  const problems = checkHistory(raw, journal, [], notes, {});
  problems.push(...(await checkReads(c, [big, other])));
  const runs = (events: RecordedEvent[]) => {
    const parts: string[] = [];
    for (const e of events) {
      const last = parts.at(-1);
      const tag = `${e.type}@inc${e.streamIncarnation}`;
      const m = last && /^(\S+) (\d+)\.\.(\d+)$/.exec(last);
      if (m && m[1] === tag && Number(m[3]) + 1 === e.version)
        parts[parts.length - 1] = `${tag} ${m[2]}..${e.version}`;
      else parts.push(`${tag} ${e.version}..${e.version}`);
    }
    return parts.join(', ');
  };
  const report = {
    transactions,
    progress: progressLines,
    seen: {
      ...seen,
      readStream: seen.readStream.length
        ? `${seen.readStream.length} events v${seen.readStream[0]}..v${seen.readStream.at(-1)}`
        : 'none',
    },
    findings,
    outcomes: outcomes.map((o) =>
      o.status === 'fulfilled' ? (o.value instanceof Error ? o.value.name : 'ok') : (o.reason as Error).name,
    ),
    journal: journal
      .filter((j) => j.kind !== 'seed')
      .map(
        (j) =>
          `${j.kind}: ${j.ok ? `${j.replayed ? 'replayed' : 'ok'} ${j.events!.map((e) => `v${e.version}@${e.position} inc${e.inc}`).join(' ')}` : j.err}`,
      ),
    streamEvents: runs(got),
    final: (await c.readStream(big)).edges.map(
      (e) => `${e.node.type} v${e.node.version} inc${e.node.streamIncarnation}`,
    ),
  };
  console.log(JSON.stringify(report, null, 1));
  expect(problems, problems.join('\n')).toEqual([]);
});
