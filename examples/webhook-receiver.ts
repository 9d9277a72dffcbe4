// Receive a webhook consumer's batches: verify eventloom-signature over the raw body before
// parsing it, and handle each delivery once (a batch comes again, same id, until it gets a 2xx).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';

interface WebhookEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  position: number;
  version: number;
  recordedAt: string;
  stream: { id: string; name: string | null; category: string | null };
  attempt: number;
}

const secret = process.env.WEBHOOK_SECRET ?? ''; // the `secret` given to createConsumer
const maxBodyBytes = 16 * 1024 * 1024;
// Delivery ids already handled, the latest 10,000. In production, record the id in the same
// transaction as the batch's effects, so a crash between the two cannot apply a batch twice.
const handled = new Set<string>();

function signatureMatches(body: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(typeof header === 'string' ? header : '');
  // timingSafeEqual: the time taken does not tell an attacker how much of a guess was right.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function apply(events: WebhookEvent[]): Promise<void> {
  for (const event of events) console.log(event.position, event.stream.name, event.type, event.attempt);
}

async function receive(request: IncomingMessage): Promise<number> {
  if (request.method !== 'POST') return 405;
  const body = await readBody(request);
  if (body === null) return 413;
  if (!signatureMatches(body, request.headers['eventloom-signature'])) return 401;
  const delivery = request.headers['eventloom-delivery'];
  if (typeof delivery !== 'string') return 400;
  if (handled.has(delivery)) return 204; // a retry of a batch already applied: acknowledge it
  const { events } = JSON.parse(body.toString('utf8')) as { consumer: string; events: WebhookEvent[] };
  await apply(events); // within 10 s: past that the batch is sent again, maybe while this runs
  handled.add(delivery);
  if (handled.size > 10_000) handled.delete(handled.values().next().value ?? '');
  return 204;
}

createServer((request, response) => {
  receive(request).then(
    (status) => response.writeHead(status).end(),
    (error: unknown) => {
      console.error(error);
      response.writeHead(500).end(); // a failed attempt: eventloom retries, then parks the events
    },
  );
}).listen(8080);
