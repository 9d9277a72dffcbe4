// A separate writer process for the multi-process race test: its own DynamoDB client, its own
// store and group committers. Appends to shared streams concurrently and prints, as one JSON
// line, every event id it was told was stored.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials } from '../../src/dynamodb/local.js';
import { createDynamoEventStore, WrongExpectedVersionError } from '../../src/store/index.js';

const [endpoint, tablePrefix = '', tenant = '', writerName = '', streamsArg, appendsArg, writersArg] =
  process.argv.slice(2);
const streams = Number(streamsArg);
const appendsPerWriter = Number(appendsArg);
const writers = Number(writersArg);

const client = new DynamoDBClient({ endpoint: endpoint!, region: 'local', credentials: localCredentials });
const store = createDynamoEventStore({ client, tablePrefix }).forTenant(tenant);
const acknowledged: Array<{ id: string; stream: string; version: number; position: number }> = [];
let conflicts = 0;

async function writer(index: number) {
  for (let n = 0; n < appendsPerWriter; n++) {
    const stream = `s${(index * 7 + n * 13) % streams}`;
    // Even streams are versioned (read the version, retry on conflict); odd ones unversioned.
    const versioned = Number(stream.slice(1)) % 2 === 0;
    const events = Array.from({ length: 1 + (n % 3) }, (_, k) => ({
      type: 'Raced',
      data: { writerName, index, n, k },
    }));
    for (;;) {
      try {
        const expectedVersion = versioned
          ? ((await store.getStream({ name: stream }))?.version ?? 0)
          : undefined;
        const result = await store.append({ stream: { name: stream }, expectedVersion, events });
        for (const event of result.events) {
          acknowledged.push({ id: event.id, stream, version: event.version, position: event.position });
        }
        break;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        conflicts++;
      }
    }
  }
}

await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
process.stdout.write(`${JSON.stringify({ acknowledged, conflicts })}\n`);
client.destroy();
