// Separate gateway processes (each with two store instances) doing random appends, retries,
// deletions and snapshots on three shared streams; one process is SIGKILLed in the middle of
// a deletion of a large stream and replaced. A log poller in this process follows the log.
// Afterwards the whole history is checked against every raw item of the tenant.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject, test } from 'vitest';
import { createTestStore, uniquePrefix, uniqueTenant } from '../../support/dynamo.js';
import {
  type AppendEntry,
  checkHistory,
  checkReads,
  type DeleteEntry,
  readRaw,
  type StreamName,
} from './checker.js';

const workerScript = fileURLToPath(new URL('./chaos-worker.ts', import.meta.url));
const refs: StreamName[] = [
  { name: 's0', category: null },
  { name: 's1', category: null },
  { name: 's2', category: 'c' },
];
// Seed 11 found a violation before the committer wrote on the head it decided on; others: ATTACK_SEED.
const baseSeed = Number(process.env.ATTACK_SEED ?? 11);
const rounds = Number(process.env.ATTACK_ROUNDS ?? 1);
const durationMs = Number(process.env.ATTACK_DURATION ?? 12000);

function spawnWorker(
  prefix: string,
  tenant: string,
  name: string,
  seed: number,
  dir: string,
  duration: number,
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      workerScript,
      inject('dynamoEndpoint'),
      prefix,
      tenant,
      name,
      String(seed),
      String(duration),
      dir,
      '4',
    ],
    {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}
const exited = (child: ChildProcess) =>
  new Promise<number | string | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode);
    else child.on('exit', (code, signal) => resolve(code ?? signal));
  });

function readJournal(dir: string) {
  const appends: AppendEntry[] = [];
  const deletes: DeleteEntry[] = [];
  const all: Array<Record<string, unknown>> = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.jsonl') || file.endsWith('.req.jsonl')) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    // A killed worker may leave a last line half written: it recorded nothing acknowledged.
    for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line);
      all.push(entry);
      if (entry.t === 'append') appends.push(entry);
      if (entry.t === 'delete') deletes.push(entry);
    }
  }
  return { appends, deletes, all };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test(`gateway processes with a SIGKILL mid-deletion (seed ${baseSeed}, ${rounds} round(s))`, async () => {
  const prefix = uniquePrefix('chaos');
  const { store, client } = await createTestStore(prefix);
  for (let round = 0; round < rounds; round++) {
    const seed = baseSeed + round * 1000;
    const tenant = uniqueTenant(`chaos${round}`);
    const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
    const reader = store.forTenant(tenant);
    // A log poller: readLog after its last position, as the subscriptions do.
    const delivered: Array<{ position: number; id: string }> = [];
    let covered = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const page = await reader.readLog({ after: covered, first: 500 }).catch(() => null);
        if (page) {
          for (const edge of page.edges) delivered.push({ position: edge.node.position, id: edge.node.id });
          covered = page.lastPosition;
        }
        await sleep(30);
      }
    })();

    const workers = [0, 1, 2].map((i) => spawnWorker(prefix, tenant, `w${i}`, seed + i, dir, durationMs));
    // Kill w0 while it deletes a stream of more than 33 events (several transactions).
    const victimJournal = join(dir, 'w0.jsonl');
    let killed = 'not killed';
    const deadline = Date.now() + durationMs + 8000;
    let seen = 0;
    while (Date.now() < deadline && workers[0]!.exitCode === null) {
      await sleep(3);
      if (!existsSync(victimJournal)) continue;
      const size = statSync(victimJournal).size;
      if (size === seen) continue;
      const text = readFileSync(victimJournal, 'utf8');
      // The worker may be mid-write: only lines ending with a newline are whole.
      const lines = text
        .slice(0, text.lastIndexOf('\n') + 1)
        .split('\n')
        .filter(Boolean);
      seen = size;
      if (lines.length === 0) continue;
      const last = JSON.parse(lines.at(-1)!);
      if (last.t === 'delete-begin' && (last.version ?? 0) >= (Date.now() > deadline - 9000 ? 1 : 34)) {
        await sleep(Math.floor((seed * 7) % 60) + 15);
        workers[0]!.kill('SIGKILL');
        killed = `killed during deletion of ${last.stream.name} v${last.version}`;
        break;
      }
    }
    if (killed !== 'not killed') {
      // Another gateway takes its place.
      workers.push(spawnWorker(prefix, tenant, 'w3', seed + 3, dir, Math.max(3000, durationMs / 2)));
    }
    const codes = await Promise.all(workers.map(exited));
    polling = false;
    await poller;

    const { appends, deletes, all } = readJournal(dir);
    const raw = await readRaw(client, prefix, tenant, refs);
    const notes: string[] = [];
    const problems = checkHistory(raw, appends, deletes, notes, { allowMarked: true });
    // The log poller saw a contiguous log: every final live event up to what it covered.
    const seenIds = new Map(delivered.map((d) => [d.position, d.id]));
    let previous = 0;
    for (const d of delivered) {
      if (d.position <= previous) problems.push(`poller: position ${d.position} after ${previous}`);
      previous = d.position;
      const entry = raw.log.get(d.position);
      if (!entry || (!entry.tombstone && entry.eventId !== d.id))
        problems.push(`poller delivered ${d.id} @${d.position}, log now holds ${entry?.eventId}`);
    }
    for (const [position, entry] of raw.log)
      if (position <= covered && !entry.tombstone && seenIds.get(position) !== entry.eventId)
        problems.push(`poller skipped live event @${position}`);
    const readProblems = await checkReads(reader, refs);

    const stats = {
      seed,
      killed,
      codes,
      counter: raw.counter,
      acked: appends.filter((a) => a.ok).length,
      replayed: appends.filter((a) => a.ok && a.replayed).length,
      refused: countBy(appends.filter((a) => !a.ok).map((a) => a.err ?? '?')),
      deletes: deletes.filter((d) => d.ok).length,
      deleteErrors: deletes.filter((d) => !d.ok).map((d) => d.err),
      snaps: all.filter((e) => e.t === 'snap' && e.ok).length,
      tombstones: [...raw.log.values()].filter((e) => e.tombstone).length,
      notes,
      readProblems,
    };
    // Known finding K1 (forget-during-commit.test.ts): an append with an expected version stored as
    // a new stream at v1 after the same instance deleted the stream. Reported apart.
    const k1 = problems.filter((p) => /^expected-version rule: .* stored at v1$/.test(p));
    const others = problems.filter((p) => !k1.includes(p));
    console.log(`round ${round}: ${JSON.stringify({ ...stats, k1 })}`);
    expect(others, `round ${round} seed ${seed} dir ${dir}\n${problems.join('\n')}`).toEqual([]);

    // Settle: a fresh gateway finishes any deletion left marked; then everything must agree.
    const fresh = (await createTestStore(prefix)).store.forTenant(tenant);
    for (const ref of refs) {
      const stream = [...raw.streams.values()].find((s) => s.ref.name === ref.name);
      if (stream?.head?.deleting) await fresh.deleteStream(ref);
    }
    const settled = await readRaw(client, prefix, tenant, refs);
    const after = checkHistory(settled, appends, deletes, [], {}).filter((p) => !k1.includes(p));
    after.push(...(await checkReads(fresh, refs)));
    expect(after, `round ${round} after settling\n${after.join('\n')}`).toEqual([]);
  }
}, 120_000);

function countBy(values: string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts];
}
