/**
 * The body of a webhook request, as the contract states it (consumers.graphql, "Webhook
 * consumers"): `{"consumer": name, "events": [...]}`, each event with the attempt it is on. The
 * relay signs and sends exactly the string returned here.
 */
import type { JsonValue, RecordedEvent } from '../store/types.js';

/** One event of a batch, and which delivery attempt of it this request is (from 1). */
export interface WebhookDelivery {
  readonly event: RecordedEvent;
  readonly attempt: number;
}

/** One event as a webhook receiver gets it. */
export interface WebhookEventPayload {
  id: string;
  type: string;
  data: JsonValue;
  metadata: JsonValue;
  position: number;
  version: number;
  /** ISO 8601, like the API's DateTime. */
  recordedAt: string;
  stream: { id: string; name: string | null; category: string | null };
  attempt: number;
}

export interface WebhookPayload {
  consumer: string;
  events: WebhookEventPayload[];
}

export function webhookPayload(consumer: string, deliveries: readonly WebhookDelivery[]): WebhookPayload {
  return { consumer, events: deliveries.map(eventPayload) };
}

/** The JSON text of the request body: what is signed and sent, byte for byte. */
export function webhookBody(consumer: string, deliveries: readonly WebhookDelivery[]): string {
  return JSON.stringify(webhookPayload(consumer, deliveries));
}

function eventPayload({ event, attempt }: WebhookDelivery): WebhookEventPayload {
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    position: event.position,
    version: event.version,
    recordedAt: event.recordedAt.toISOString(),
    stream: { id: event.stream.id, name: event.streamName, category: event.stream.category },
    attempt,
  };
}
