/**
 * Items of the events table and their conversion to the store's shapes. Attribute values go
 * through the SDK's marshall/unmarshall; event data stays JSON text so it round-trips exactly.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { parseJsonText } from './prepare.js';
import type { RecordedEvent, Snapshot, StreamInfo, StreamKey } from './types.js';

export type Item = Record<string, AttributeValue>;

export interface HeadItem {
  pk: string;
  sk: string;
  streamId: string;
  category: string | null;
  name: string | null;
  versioned: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Set while a deletion is in progress: appends are refused, reads see no stream. */
  deleting?: boolean;
  /**
   * The position of this incarnation's first event: it changes whenever the stream is deleted
   * and created again, so a condition on it refuses a write meant for an earlier incarnation.
   * Absent on heads written before incarnations were recorded (they read as incarnation 0).
   */
  incarnation?: number;
}

export interface EventItem {
  pk: string;
  sk: string;
  eventId: string;
  type: string;
  data: string;
  metadata: string;
  streamId: string;
  category: string | null;
  streamName: string | null;
  version: number;
  position: number;
  recordedAt: string;
  /** The incarnation of the stream (see HeadItem); absent on older items. */
  incarnation?: number;
}

/** A log entry of a deleted stream: the position stays, the event is gone. */
export interface TombstoneItem {
  pk: string;
  sk: string;
  position: number;
  streamId: string;
  category: string | null;
  tombstone: true;
}

/** An event id stored in the tenant: which stream holds it (its head's pk), and where. */
export interface EventIdClaimItem {
  pk: string;
  sk: string;
  streamPk: string;
  version: number;
  appendFirstVersion: number;
  appendSize: number;
  /** The incarnation of the stream the claim belongs to (see HeadItem); absent on older items. */
  incarnation?: number;
}

export interface SnapshotItem {
  pk: string;
  sk: string;
  streamId: string;
  category: string | null;
  version: number;
  type: string;
  data: string;
  createdAt: string;
}

export interface ListingItem {
  pk: string;
  sk: string;
  streamId: string;
  category: string | null;
  name: string | null;
}

export function toItem(value: object): Item {
  return marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

export function fromItem<T>(item: Item): T {
  return unmarshall(item) as T;
}

export function streamKeyOf(item: { streamId: string; category: string | null }): StreamKey {
  return { id: item.streamId, category: item.category ?? null };
}

/** A head's incarnation: heads written before incarnations were recorded are incarnation 0. */
export function incarnationOf(head: Pick<HeadItem, 'incarnation'>): number {
  return head.incarnation ?? 0;
}

export function toStreamInfo(head: HeadItem): StreamInfo {
  return {
    id: head.streamId,
    category: head.category ?? null,
    name: head.name ?? null,
    versioned: head.versioned,
    version: head.version,
    createdAt: new Date(head.createdAt),
    updatedAt: new Date(head.updatedAt),
  };
}

export function toRecordedEvent(item: EventItem): RecordedEvent {
  return {
    id: item.eventId,
    type: item.type,
    data: parseJsonText(item.data),
    metadata: parseJsonText(item.metadata),
    stream: streamKeyOf(item),
    streamName: item.streamName ?? null,
    version: item.version,
    position: item.position,
    recordedAt: new Date(item.recordedAt),
    streamIncarnation: item.incarnation ?? 0,
  };
}

export function toSnapshot(item: SnapshotItem): Snapshot {
  return {
    stream: streamKeyOf(item),
    version: item.version,
    type: item.type,
    data: parseJsonText(item.data),
    createdAt: new Date(item.createdAt),
  };
}
