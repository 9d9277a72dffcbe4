// Follow the "order" category live with graphql-ws, resuming from a checkpoint kept in a file.
import { readFile, writeFile } from 'node:fs/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node; browsers have WebSocket built in

interface OrderEvent {
  position: number;
  type: string;
  data: unknown;
  stream: { id: string; name: string | null; version: number };
}
interface Batch {
  checkpoint: number;
  events: OrderEvent[];
}

const client = createClient({
  url: 'ws://localhost:4000/graphql',
  webSocketImpl: WebSocket,
  connectionParams: { authorization: 'Bearer <your API key>' },
});

const checkpointFile = 'orders.checkpoint';
const loadCheckpoint = async () => Number(await readFile(checkpointFile, 'utf8').catch(() => '0'));
const saveCheckpoint = (position: number) => writeFile(checkpointFile, String(position));
const project = async (events: OrderEvent[]) => {
  for (const event of events) console.log(event.position, event.stream.name, event.type, event.data);
};

for await (const result of client.iterate<{ eventBatches: Batch }>({
  query: `subscription ($after: Position) {
    eventBatches(after: $after, filter: { categories: ["order"] }, maxSize: 100, maxWaitMs: 200) {
      checkpoint
      events { position type data stream { id name version } }
    }
  }`,
  variables: { after: await loadCheckpoint() },
})) {
  // A bad argument ends the subscription with errors (BAD_USER_INPUT) and no data.
  if (!result.data) throw new Error(result.errors?.[0]?.message ?? 'no data');
  const batch = result.data.eventBatches;
  await project(batch.events);
  await saveCheckpoint(batch.checkpoint);
}
