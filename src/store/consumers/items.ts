/**
 * The items of durable consumers and their conversion to the records of types.ts. Values go
 * through the event store's marshalling (`toItem`/`fromItem`); dates are ISO strings, lease
 * expiries milliseconds since 1970 (they are compared with `<` in a condition).
 */
import { fromItem, type Item } from '../items.js';
import type { EventFilter } from '../types.js';
import {
  definitionSk,
  definitionsPk,
  parkedPk,
  parkedSk,
  webhookRegistryPk,
  webhookRegistrySk,
} from './keys.js';
import type {
  ConsumerState,
  ConsumerWebhook,
  CreateConsumerRequest,
  HeldLease,
  ParkedEventRecord,
  WebhookConsumerRef,
} from './types.js';

/** A filter as stored: every field present, null when not given. */
export interface StoredFilter {
  categories: string[] | null;
  types: string[] | null;
  streamIds: string[] | null;
}

export interface DefinitionItem {
  pk: string;
  sk: string;
  name: string;
  incarnation: string;
  filter: StoredFilter | null;
  checkpoint: number;
  maxAttempts: number;
  ackTimeoutMs: number;
  webhook: ConsumerWebhook | null;
  createdAt: string;
  generation: number;
  /** Absent when never leased or released; the other two lease attributes say nothing then. */
  leaseOwner?: string;
  /** Kept on release, so that the next acquisition still grows it. */
  leaseEpoch: number;
  leaseExpiresAt?: number;
}

export interface ParkedItem {
  pk: string;
  sk: string;
  /** The consumer's incarnation that parked it: records of another incarnation are ignored. */
  incarnation: string;
  position: number;
  attempts: number;
  reason: string | null;
  parkedAt: string;
  /** Marked by replayParked: the holder delivers it again; listings of parked events skip it. */
  replaying: boolean;
}

export interface RegistryItem {
  pk: string;
  sk: string;
  tenant: string;
  name: string;
  incarnation: string;
}

function storedFilter(filter: EventFilter | null): StoredFilter | null {
  if (filter === null) return null;
  return {
    categories: filter.categories ? [...filter.categories] : null,
    types: filter.types ? [...filter.types] : null,
    streamIds: filter.streamIds ? [...filter.streamIds] : null,
  };
}

export function newDefinitionItem(
  tenant: string,
  request: CreateConsumerRequest,
  incarnation: string,
  now: Date,
): DefinitionItem {
  return {
    pk: definitionsPk(tenant),
    sk: definitionSk(request.name),
    name: request.name,
    incarnation,
    filter: storedFilter(request.filter),
    checkpoint: request.after,
    maxAttempts: request.maxAttempts,
    ackTimeoutMs: request.ackTimeoutMs,
    webhook: request.webhook ? { ...request.webhook } : null,
    createdAt: now.toISOString(),
    generation: 0,
    leaseEpoch: 0,
  };
}

export function registryItem(tenant: string, name: string, incarnation: string): RegistryItem {
  return { pk: webhookRegistryPk, sk: webhookRegistrySk(tenant, name), tenant, name, incarnation };
}

export function toConsumerState(raw: Item): ConsumerState {
  return stateOf(fromItem<DefinitionItem>(raw));
}

export function stateOf(item: DefinitionItem): ConsumerState {
  return {
    name: item.name,
    incarnation: item.incarnation,
    filter: item.filter ?? null,
    checkpoint: item.checkpoint,
    maxAttempts: item.maxAttempts,
    ackTimeoutMs: item.ackTimeoutMs,
    webhook: item.webhook ?? null,
    createdAt: new Date(item.createdAt),
    generation: item.generation,
    lease:
      item.leaseOwner === undefined
        ? null
        : { owner: item.leaseOwner, epoch: item.leaseEpoch, expiresAt: item.leaseExpiresAt ?? 0 },
  };
}

/** The lease a consumer's state names, as its holder keeps it; null when nobody holds one. */
export function heldLeaseOf(consumer: ConsumerState): HeldLease | null {
  if (consumer.lease === null) return null;
  return { name: consumer.name, incarnation: consumer.incarnation, ...consumer.lease };
}

export function parkedItem(tenant: string, lease: HeldLease, record: ParkedEventRecord): ParkedItem {
  return {
    pk: parkedPk(tenant, lease.name),
    sk: parkedSk(record.position),
    incarnation: lease.incarnation,
    position: record.position,
    attempts: record.attempts,
    reason: record.reason,
    parkedAt: record.parkedAt.toISOString(),
    replaying: false,
  };
}

export function toParkedRecord(raw: Item): ParkedEventRecord {
  const item = fromItem<ParkedItem>(raw);
  return {
    position: item.position,
    attempts: item.attempts,
    reason: item.reason ?? null,
    parkedAt: new Date(item.parkedAt),
  };
}

export function toWebhookConsumerRef(raw: Item): WebhookConsumerRef {
  const item = fromItem<RegistryItem>(raw);
  return { tenant: item.tenant, name: item.name };
}
