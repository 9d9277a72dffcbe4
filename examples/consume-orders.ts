// A service that handles every "order" event at least once with a durable consumer: the
// gateway keeps its checkpoint, redelivers what is not acknowledged, and parks what keeps failing.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node; browsers have WebSocket built in

interface Message {
  attempt: number;
  event: { position: number; type: string; data: unknown };
}

const client = createClient({
  url: 'ws://localhost:4000/graphql',
  webSocketImpl: WebSocket,
  connectionParams: { authorization: 'Bearer <your API key>' }, // scopes: consume (+ manage to create)
});

/** Sends a query or mutation over the same socket (acks must reach the gateway that delivers). */
async function run(query: string, variables: Record<string, unknown>): Promise<unknown> {
  const result = await client.iterate({ query, variables }).next();
  return result.value;
}

async function handle(event: Message['event']): Promise<void> {
  console.log('handling', event.position, event.type); // your side effect, idempotent by position
}

// Once: the consumer, from the start of the log (ConsumerExistsError afterwards is fine).
await run(`mutation ($input: CreateConsumerInput!) { createConsumer(input: $input) { __typename } }`, {
  input: { name: 'billing', filter: { categories: ['order'] }, after: 0, maxAttempts: 5 },
});

const ack = `mutation ($input: AckEventsInput!) { ackEvents(input: $input) { __typename } }`;
const nack = `mutation ($input: NackEventsInput!) { nackEvents(input: $input) { __typename } }`;
for await (const result of client.iterate<{ consume: Message }>({
  query: `subscription { consume(consumer: "billing", maxInFlight: 10) {
    attempt event { position type data } } }`,
})) {
  if (!result.data) throw new Error(result.errors?.[0]?.message ?? 'no data');
  const { event, attempt } = result.data.consume;
  try {
    await handle(event);
    await run(ack, { input: { consumer: 'billing', positions: [event.position] } });
  } catch (error) {
    // RETRY: delivered again (attempt + 1) after a short backoff; parked after maxAttempts.
    const reason = `attempt ${attempt}: ${String(error)}`.slice(0, 1000);
    await run(nack, { input: { consumer: 'billing', positions: [event.position], action: 'RETRY', reason } });
  }
}
