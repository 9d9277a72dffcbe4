/**
 * The `eventloom-signature` header of webhook requests: `sha256=<hex HMAC-SHA256 of the exact
 * body bytes, keyed by the consumer's secret>`. Exported for receivers and tests; the relay
 * signs the same bytes it sends, so a receiver must verify the raw body before parsing it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const webhookSignatureHeader = 'eventloom-signature';
export const webhookDeliveryHeader = 'eventloom-delivery';

const scheme = 'sha256=';

/** The header's value for these body bytes (a string is signed as its UTF-8 bytes). */
export function signWebhookBody(body: string | Uint8Array, secret: string): string {
  return `${scheme}${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `signature` (the header's value) is this body's signature under `secret`. The
 * comparison takes the same time wherever the values differ, so a caller cannot learn the
 * signature byte by byte; a missing or malformed header is simply false.
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  secret: string,
  signature: string | null | undefined,
): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(signWebhookBody(body, secret), 'utf8');
  const given = Buffer.from(signature.trim().toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
