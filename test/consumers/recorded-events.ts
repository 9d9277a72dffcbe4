// Recorded events for the consumer tests: only the position matters to the ledger and the session.
import type { RecordedEvent } from '../../src/store/index.js';

export function recordedEvent(position: number): RecordedEvent {
  return {
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type: 'Happened',
    data: { n: position },
    metadata: {},
    stream: { id: '00000000-0000-4000-8000-000000000000', category: null },
    streamName: 's1',
    version: position,
    position,
    recordedAt: new Date(0),
    streamIncarnation: 1,
  };
}

export function recordedEvents(...positions: number[]): RecordedEvent[] {
  return positions.map(recordedEvent);
}

export function positionsOf(deliveries: readonly { event: RecordedEvent }[]): number[] {
  return deliveries.map((delivery) => delivery.event.position);
}
