import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  signWebhookBody,
  verifyWebhookSignature,
  webhookDeliveryHeader,
  webhookSignatureHeader,
} from '../../src/outbox/signature.js';

const secret = 'a-secret-of-the-consumer';
const body = '{"consumer":"orders","events":[{"data":{"note":"café ☕"}}]}';

describe('webhook signature', () => {
  test('header names', () => {
    expect(webhookSignatureHeader).toBe('eventloom-signature');
    expect(webhookDeliveryHeader).toBe('eventloom-delivery');
  });

  test('sha256=<hex HMAC-SHA256 of the UTF-8 bytes>, the same for the string and its bytes', () => {
    const expected = `sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex')}`;
    expect(signWebhookBody(body, secret)).toBe(expected);
    expect(signWebhookBody(Buffer.from(body, 'utf8'), secret)).toBe(expected);
    expect(signWebhookBody(body, secret)).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signWebhookBody(body, secret)).not.toContain(secret);
  });

  test('verifies the right signature, in any letter case', () => {
    const signature = signWebhookBody(body, secret);
    expect(verifyWebhookSignature(body, secret, signature)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), secret, signature.toUpperCase())).toBe(true);
  });

  test('refuses another body, another secret, a truncated, missing or malformed signature', () => {
    const signature = signWebhookBody(body, secret);
    expect(verifyWebhookSignature(`${body} `, secret, signature)).toBe(false);
    expect(verifyWebhookSignature(body, `${secret}x`, signature)).toBe(false);
    expect(verifyWebhookSignature(body, secret, signature.slice(0, -1))).toBe(false);
    expect(verifyWebhookSignature(body, secret, signature.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifyWebhookSignature(body, secret, signature.slice('sha256='.length))).toBe(false);
    expect(verifyWebhookSignature(body, secret, undefined)).toBe(false);
    expect(verifyWebhookSignature(body, secret, null)).toBe(false);
    expect(verifyWebhookSignature(body, secret, '')).toBe(false);
  });
});
