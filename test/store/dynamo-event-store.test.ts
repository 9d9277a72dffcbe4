import { describe } from 'vitest';
import { createTestStore, uniquePrefix } from '../support/dynamo.js';
import { eventStoreContract } from './event-store.contract.js';

describe('DynamoDB event store', () => {
  eventStoreContract(async () => createTestStore(uniquePrefix('contract')));
});
