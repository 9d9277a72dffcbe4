// Shared pieces of the consumer store's contract: the context a test file gives it, a fresh
// tenant per test, requests and parked records.
import { randomUUID } from 'node:crypto';
import type {
  ConsumerStore,
  CreateConsumerRequest,
  HeldLease,
  ParkedEventRecord,
  TenantConsumerStore,
} from '../../../src/store/index.js';

export interface ConsumerContractContext {
  store: ConsumerStore;
  /**
   * Every item in a consumer's parked partition, whatever its incarnation: what a deletion
   * must remove, which the store's own reads cannot show (they skip other incarnations).
   */
  storedParkedItems(tenant: string, name: string): Promise<number>;
}

export function freshTenant(store: ConsumerStore): TenantConsumerStore {
  return store.forTenant(`consumers-${randomUUID().slice(0, 8)}`);
}

export function consumerRequest(name: string, overrides: Partial<CreateConsumerRequest> = {}) {
  return {
    name,
    filter: null,
    after: 0,
    maxAttempts: 5,
    ackTimeoutMs: 30_000,
    webhook: null,
    ...overrides,
  } satisfies CreateConsumerRequest;
}

export const webhook = { url: 'https://hooks.example.com/in', secret: 's3cret', batchSize: 10 };

export function parkedRecords(positions: readonly number[], reason = 'HTTP 500'): ParkedEventRecord[] {
  return positions.map((position) => ({
    position,
    attempts: 5,
    reason,
    parkedAt: new Date('2026-01-02T03:04:05.000Z'),
  }));
}

export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => from + index);
}

/** Creates a consumer and takes its lease as `owner` at `now` (default 1000), for `ttlMs` (default 10 s). */
export async function leased(
  tenant: TenantConsumerStore,
  name: string,
  owner = 'holder-a',
  now = 1000,
  ttlMs = 10_000,
): Promise<HeldLease> {
  await tenant.create(consumerRequest(name));
  return holdLease(tenant, name, owner, ttlMs, now);
}

/**
 * Takes `name`'s lease for `owner` at `now` whoever holds it, by `takeLease` with the lease just
 * read as `seen`: the fixture for "another owner holds it", "a holder that crashed", or a
 * takeover. Throws when the consumer is missing or its lease changed between the read and the take.
 */
export async function holdLease(
  tenant: TenantConsumerStore,
  name: string,
  owner: string,
  ttlMs: number,
  now: number,
): Promise<HeldLease> {
  const consumer = await tenant.get(name);
  if (consumer === null) throw new Error(`no consumer ${name} to lease`);
  const grant = await tenant.takeLease(name, owner, ttlMs, consumer.lease, now);
  if (grant === null) throw new Error(`could not lease ${name}: it changed since read`);
  return grant.lease;
}

/** Every parked position (not replaying), through the paged listing. */
export async function allParked(tenant: TenantConsumerStore, name: string): Promise<number[]> {
  const positions: number[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await tenant.listParked(name, { first: 100, after });
    positions.push(...page.edges.map((edge) => edge.node.position));
    if (!page.hasNextPage) return positions;
    after = page.edges.at(-1)?.cursor ?? null;
  }
}
