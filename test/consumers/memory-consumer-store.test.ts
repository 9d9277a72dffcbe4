// The in-memory consumer store (the session tests' fake) against the consumer store's contract,
// the same suite the DynamoDB store passes: a fake that drifted from the real store would let
// the session's unit tests pass on answers the real store never gives.
import { describe } from 'vitest';
import { checkTenant } from '../../src/store/consumers/validate.js';
import type { ConsumerStore, WebhookConsumerRef } from '../../src/store/index.js';
import { type Clock, systemClock } from '../../src/subscriptions/index.js';
import type { ConsumerContractContext } from '../store/consumers/consumer-fixtures.js';
import { consumerStoreContract } from '../store/consumers/consumer-store.contract.js';
import { MemoryConsumerStore } from './memory-consumer-store.js';

/** Wall-clock time, as the DynamoDB store stamps `createdAt` by default. */
const wallClock: Clock = { now: () => Date.now(), sleep: systemClock.sleep };

/** One MemoryConsumerStore per tenant, as the DynamoDB store keeps each tenant's consumers apart. */
class MemoryConsumers implements ConsumerStore {
  private readonly tenants = new Map<string, MemoryConsumerStore>();

  forTenant(tenant: string): MemoryConsumerStore {
    checkTenant(tenant);
    let store = this.tenants.get(tenant);
    if (store === undefined) {
      store = new MemoryConsumerStore(tenant, wallClock, { timerRoundTrips: true });
      this.tenants.set(tenant, store);
    }
    return store;
  }

  async webhookConsumers(): Promise<WebhookConsumerRef[]> {
    const refs: WebhookConsumerRef[] = [];
    for (const store of this.tenants.values()) {
      for (const name of store.webhookConsumerNames()) refs.push({ tenant: store.tenant, name });
    }
    return refs;
  }
}

function memoryContext(): Promise<ConsumerContractContext> {
  const store = new MemoryConsumers();
  // The memory store keeps no records of other incarnations: what it holds is all there is.
  const storedParkedItems = async (tenant: string, name: string) =>
    store.forTenant(tenant).parkedRecords(name).length;
  return Promise.resolve({ store, storedParkedItems });
}

describe('in-memory consumer store', () => {
  consumerStoreContract(memoryContext);
});
