// Append rate of the store at 32 concurrent writers: group commit vs one transaction per
// append (the same store with maxAppendsPerBatch = 1), against one DynamoDB Local, one run.
// Run: npx tsx bench/store-append-rate.ts [seconds=10] [writers=32]
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials, startDynamoDbLocal } from '../src/dynamodb/local.js';
import { createDynamoEventStore } from '../src/store/index.js';

const seconds = Number(process.argv[2] ?? 10);
const writers = Number(process.argv[3] ?? 32);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(endpoint: string, label: string, maxAppendsPerBatch?: number) {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: localCredentials });
  const store = createDynamoEventStore({
    client,
    tablePrefix: `rate${label}_`,
    ...(maxAppendsPerBatch ? { maxAppendsPerBatch } : {}),
  });
  await store.ensureTables();
  const tenant = store.forTenant('bench');
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let errors = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const started = performance.now();
        try {
          await tenant.append({
            stream: { name: `w${writer}-${n % 50}` },
            events: [{ type: 'Bench', data: { writer, n, pad: 'x'.repeat(180) } }],
          });
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const head = await tenant.headPosition();
  client.destroy();
  return {
    label,
    appendsPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    head,
  };
}

const local = await startDynamoDbLocal();
try {
  const single = await measure(local.endpoint, 'single', 1);
  const group = await measure(local.endpoint, 'group');
  for (const row of [single, group]) {
    console.log(
      `${row.label.padEnd(8)} ${row.appendsPerSecond.toFixed(0).padStart(6)} appends/s  p50 ${row.p50.toFixed(1)} ms  p99 ${row.p99.toFixed(1)} ms  errors ${row.errors}  log head ${row.head}`,
    );
  }
  console.log(
    `group commit / one transaction per append: ${(group.appendsPerSecond / single.appendsPerSecond).toFixed(2)}x`,
  );
} finally {
  await local.stop();
}
