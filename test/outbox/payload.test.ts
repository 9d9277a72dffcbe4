import { describe, expect, test } from 'vitest';
import { webhookBody, webhookPayload } from '../../src/outbox/payload.js';
import type { RecordedEvent } from '../../src/store/types.js';

const placed: RecordedEvent = {
  id: '0b7f3f0e-9a4e-4f55-b7a3-2f1f5f0c9a01',
  type: 'OrderPlaced',
  data: { total: 12.5, lines: [{ sku: 'A-1', quantity: 2 }] },
  metadata: { correlationId: 'c-1' },
  stream: { id: '5c1b8f0a-4f6e-5d7c-9b2a-1e3d4c5b6a70', category: 'order' },
  streamName: 'order-17',
  version: 1,
  position: 41,
  recordedAt: new Date('2026-03-04T05:06:07.089Z'),
  streamIncarnation: 41,
};

const anonymous: RecordedEvent = {
  ...placed,
  id: '0b7f3f0e-9a4e-4f55-b7a3-2f1f5f0c9a02',
  type: 'Pinged',
  data: null,
  metadata: null,
  stream: { id: '7d2c9e1b-0a3f-4b6c-8d5e-2f4a6b8c0d13', category: null },
  streamName: null,
  position: 42,
};

describe('webhook payload', () => {
  test('the contract body: consumer, then each event with its stream and attempt', () => {
    expect(
      webhookPayload('orders', [
        { event: placed, attempt: 1 },
        { event: anonymous, attempt: 3 },
      ]),
    ).toEqual({
      consumer: 'orders',
      events: [
        {
          id: placed.id,
          type: 'OrderPlaced',
          data: { total: 12.5, lines: [{ sku: 'A-1', quantity: 2 }] },
          metadata: { correlationId: 'c-1' },
          position: 41,
          version: 1,
          recordedAt: '2026-03-04T05:06:07.089Z',
          stream: { id: placed.stream.id, name: 'order-17', category: 'order' },
          attempt: 1,
        },
        {
          id: anonymous.id,
          type: 'Pinged',
          data: null,
          metadata: null,
          position: 42,
          version: 1,
          recordedAt: '2026-03-04T05:06:07.089Z',
          stream: { id: anonymous.stream.id, name: null, category: null },
          attempt: 3,
        },
      ],
    });
  });

  test('the JSON text has exactly these keys, in the contract order, and nothing internal', () => {
    const text = webhookBody('orders', [{ event: placed, attempt: 2 }]);
    expect(text.startsWith('{"consumer":"orders","events":[{"id":')).toBe(true);
    const [event] = (JSON.parse(text) as { events: Record<string, unknown>[] }).events;
    expect(Object.keys(event ?? {})).toEqual([
      'id',
      'type',
      'data',
      'metadata',
      'position',
      'version',
      'recordedAt',
      'stream',
      'attempt',
    ]);
    expect(text).not.toContain('streamIncarnation');
    expect(JSON.parse(text)).toEqual(webhookPayload('orders', [{ event: placed, attempt: 2 }]));
  });

  test('an empty batch is still a valid body', () => {
    expect(webhookBody('orders', [])).toBe('{"consumer":"orders","events":[]}');
  });
});
