/**
 * The consumer store on DynamoDB, in the events table, and each tenant's view of it: the facade
 * checks what callers send (validate.ts), then delegates to definitions, the lease and parked
 * records. ../README.md, "Consumers", gives the item layout and the rules.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { queryAll } from '../dynamo-ops.js';
import { toItem } from '../items.js';
import { eventsTableName } from '../tables.js';
import type { Page } from '../types.js';
import {
  createConsumer,
  deleteConsumer,
  listConsumers,
  readDefinition,
  resetConsumer,
} from './definitions.js';
import { stateOf, toWebhookConsumerRef } from './items.js';
import { webhookRegistryPk } from './keys.js';
import * as lease from './lease.js';
import * as parkedReads from './parked-reads.js';
import * as parkedWrites from './parked-writes.js';
import type {
  ConsumerLease,
  ConsumerState,
  ConsumerStore,
  CreateConsumerRequest,
  HeldLease,
  ParkedEventRecord,
  TenantConsumerStore,
  WebhookConsumerRef,
} from './types.js';
import {
  checkCreateRequest,
  checkLeaseRequest,
  checkName,
  checkPosition,
  checkTenant,
  pageSize,
  parsePositionCursor,
} from './validate.js';
import type { TenantTable } from './writes.js';

export interface DynamoConsumerStoreOptions {
  client: DynamoDBClient;
  /** Prefix of the events table (`<prefix>events`), which consumers share. */
  tablePrefix: string;
}

export function createDynamoConsumerStore(options: DynamoConsumerStoreOptions): ConsumerStore {
  return new DynamoConsumerStore(options.client, eventsTableName(options.tablePrefix));
}

class DynamoConsumerStore implements ConsumerStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  forTenant(tenant: string): TenantConsumerStore {
    checkTenant(tenant);
    return new DynamoTenantConsumerStore({ client: this.client, table: this.table, tenant });
  }

  async webhookConsumers(): Promise<WebhookConsumerRef[]> {
    const refs: WebhookConsumerRef[] = [];
    const pages = queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: toItem({ ':pk': webhookRegistryPk }),
    });
    for await (const page of pages) refs.push(...page.map(toWebhookConsumerRef));
    return refs;
  }
}

class DynamoTenantConsumerStore implements TenantConsumerStore {
  readonly tenant: string;

  constructor(private readonly ctx: TenantTable) {
    this.tenant = ctx.tenant;
  }

  async create(request: CreateConsumerRequest, now: Date = new Date()): Promise<ConsumerState> {
    checkCreateRequest(request);
    return createConsumer(this.ctx, request, now);
  }

  async get(name: string): Promise<ConsumerState | null> {
    checkName(name);
    const definition = await readDefinition(this.ctx, name);
    return definition ? stateOf(definition) : null;
  }

  async list(options: { first?: number; after?: string | null } = {}): Promise<Page<ConsumerState>> {
    const first = pageSize(options.first);
    const after = options.after ?? null;
    if (after !== null) checkName(after, ['after']);
    return listConsumers(this.ctx, first, after);
  }

  async delete(name: string): Promise<boolean> {
    checkName(name);
    return deleteConsumer(this.ctx, name);
  }

  async reset(name: string, after: number): Promise<ConsumerState | null> {
    checkName(name);
    checkPosition(after, ['after']);
    return resetConsumer(this.ctx, name, after);
  }

  async listParked(
    name: string,
    options: { first?: number; after?: string | null } = {},
  ): Promise<Page<ParkedEventRecord>> {
    checkName(name);
    const first = pageSize(options.first);
    const after =
      options.after === null || options.after === undefined ? null : parsePositionCursor(options.after);
    return parkedReads.listParked(this.ctx, name, first, after);
  }

  async replayParked(name: string, positions: readonly number[] | null): Promise<ConsumerState | null> {
    checkName(name);
    return parkedWrites.replayParked(this.ctx, name, positions);
  }

  async takeLease(
    name: string,
    owner: string,
    ttlMs: number,
    seen: ConsumerLease | null,
    now: number = Date.now(),
  ): Promise<{ lease: HeldLease; consumer: ConsumerState } | null> {
    checkName(name);
    checkLeaseRequest(owner, ttlMs, now);
    return lease.takeLease(this.ctx, name, owner, ttlMs, seen, now);
  }

  async renewLease(
    held: HeldLease,
    ttlMs: number,
    now: number = Date.now(),
  ): Promise<{ lease: HeldLease; consumer: ConsumerState } | null> {
    checkName(held.name);
    checkLeaseRequest(held.owner, ttlMs, now);
    return lease.renewLease(this.ctx, held, ttlMs, now);
  }

  async releaseLease(held: HeldLease): Promise<void> {
    checkName(held.name);
    await lease.releaseLease(this.ctx, held);
  }

  async saveCheckpoint(held: HeldLease, generation: number, checkpoint: number): Promise<boolean> {
    checkName(held.name);
    checkPosition(checkpoint, ['checkpoint']);
    return lease.saveCheckpoint(this.ctx, held, generation, checkpoint);
  }

  async park(held: HeldLease, records: readonly ParkedEventRecord[]): Promise<boolean> {
    checkName(held.name);
    return parkedWrites.park(this.ctx, held, records);
  }

  async parkedPositionsAfter(name: string, after: number): Promise<number[]> {
    checkName(name);
    checkPosition(after, ['after']);
    return parkedReads.parkedPositionsAfter(this.ctx, name, after);
  }

  async replayingPositions(name: string): Promise<number[]> {
    checkName(name);
    return parkedReads.replayingPositions(this.ctx, name);
  }

  async finishReplay(held: HeldLease, positions: readonly number[]): Promise<boolean> {
    checkName(held.name);
    return parkedWrites.finishReplay(this.ctx, held, positions);
  }
}
