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

export interface EventIdClaimItem {
  pk: string;
  sk: string;
  version: number;
  appendFirstVersion: number;
  appendSize: number;
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
