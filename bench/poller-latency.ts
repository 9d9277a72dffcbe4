// Delivery latency of the poller alone, across two store instances (as across two gateways,
// without HTTP or WebSocket): one hub subscribes through store A, store B appends 20 events/s.
// Run: npx tsx bench/poller-latency.ts [--trace]   (the trace shows polls around the worst delivery)
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials, startDynamoDbLocal } from '../src/dynamodb/local.js';
import { createDynamoEventStore } from '../src/store/index.js';
import { SubscriptionHub } from '../src/subscriptions/index.js';
import { percentile } from './lib/stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const local = await startDynamoDbLocal();
const mk = () =>
  new DynamoDBClient({ endpoint: local.endpoint, region: 'local', credentials: localCredentials });
const storeA = createDynamoEventStore({ client: mk(), tablePrefix: 'tail_' });
await storeA.ensureTables();
const storeB = createDynamoEventStore({ client: mk(), tablePrefix: 'tail_' });
const t0 = performance.now();
const trace: string[] = [];
const base = storeA.forTenant('t');
const wrapped = {
  tenant: 't',
  headPosition: () => base.headPosition(),
  readStream: base.readStream.bind(base),
  async readLog(o: Parameters<typeof base.readLog>[0]) {
    const s = performance.now();
    const page = await base.readLog(o);
    trace.push(
      `${(s - t0).toFixed(0)} read after ${o?.after} -> ${page.lastPosition} (${(performance.now() - s).toFixed(1)} ms)`,
    );
    return page;
  },
};
const hub = new SubscriptionHub({});
const sub = await hub.events(wrapped as never, {});
const sent = new Map<number, number>();
const lat: Array<[number, number]> = [];
(async () => {
  for await (const e of sub) {
    const at = (e.data as { at: number }).at;
    lat.push([e.position, performance.now() - at]);
    trace.push(
      `${(performance.now() - t0).toFixed(0)} delivered ${e.position} lat ${(performance.now() - at).toFixed(0)}`,
    );
  }
})();
const b = storeB.forTenant('t');
for (let i = 0; i < 120; i++) {
  const due = 1000 + i * 50;
  const w = t0 + due - performance.now();
  if (w > 0) await new Promise((r) => setTimeout(r, w));
  const at = performance.now();
  const r = await b.append({ stream: { name: `s${i % 20}` }, events: [{ type: 'X', data: { at } }] });
  trace.push(
    `${(performance.now() - t0).toFixed(0)} committed ${r.events[0]!.position} (append ${(performance.now() - at).toFixed(0)} ms)`,
  );
  sent.set(r.events[0]!.position, at);
}
await new Promise((r) => setTimeout(r, 1500));
const steady = lat.filter((x) => x[0] > 20);
const l = steady.map((x) => x[1]);
console.log(
  'deliveries after warm-up',
  l.length,
  'p50',
  percentile(l, 50).toFixed(1),
  'p99',
  percentile(l, 99).toFixed(1),
  'max',
  Math.max(...l).toFixed(1),
);
const worst = steady
  .sort((a, b) => b[1] - a[1])
  .slice(0, 3)
  .map((x) => x[0]);
console.log('worst positions', worst);
if (process.argv.includes('--trace'))
  for (const w of worst.slice(0, 1)) {
    const idx = trace.findIndex((t) => t.includes(`committed ${w} `));
    console.log(trace.slice(Math.max(0, idx - 8), idx + 12).join('\n'));
  }
await hub.close();
await local.stop();
process.exit(0);
