import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { AppendEventsDocument, StreamEventsDocument } from '../generated/graphql.js';
import { expectType, uniqueName, useTestApi } from '../support/api.js';

const api = useTestApi();

function append(
  stream: { id?: string; name?: string; category?: string | null },
  events: { id?: string; type: string; data: unknown; metadata?: unknown }[],
  expectedVersion?: number | null,
) {
  return api().data(AppendEventsDocument, {
    input: { stream, events, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
  });
}

describe('appendEvents', () => {
  test('creates a stream and returns its events with versions, positions and the stream', async () => {
    const name = uniqueName('order');
    const { appendEvents } = await append({ name, category: 'order' }, [
      { type: 'OrderPlaced', data: { total: 42, items: [{ sku: 'a', n: 2 }] }, metadata: { user: 'u1' } },
      { type: 'OrderPaid', data: { amount: 42.5 } },
    ]);
    const success = expectType(appendEvents, 'AppendEventsSuccess');
    expect(success.replayed).toBe(false);
    expect(success.stream).toMatchObject({ name, category: 'order', version: 2, versioned: false });
    expect(success.events.map((e) => [e.type, e.version])).toEqual([
      ['OrderPlaced', 1],
      ['OrderPaid', 2],
    ]);
    const [first, second] = success.events;
    expect(second!.position).toBe(first!.position + 1);
    expect(first!.data).toEqual({ total: 42, items: [{ sku: 'a', n: 2 }] });
    expect(first!.metadata).toEqual({ user: 'u1' });
    expect(second!.metadata).toEqual({});
    expect(first!.stream).toEqual({ id: success.stream.id, name, category: 'order', version: 2 });
    expect(first!.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });
});
