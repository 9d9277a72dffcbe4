// The hub tests' in-memory log keeps the store's log contract (test/store/event-store.contract.ts),
// the same that the DynamoDB store keeps, so that the fake cannot drift from readLog's rules.
import { describe } from 'vitest';
import { type LogUnderTest, logContract } from '../store/event-store.contract.js';
import { FakeLog } from './fake-log.js';

function fakeLog(): LogUnderTest {
  const log = new FakeLog();
  return {
    append: async (stream, events) =>
      log.append(
        events.map(({ type, data }) => ({ stream: stream.name, category: stream.category, type, data })),
      ),
    deleteStream: async (stream) => log.deleteStream(stream.name, stream.category ?? null),
    readLog: (options) => log.readLog(options),
    headPosition: () => log.headPosition(),
  };
}

describe('FakeLog', () => {
  logContract(async () => fakeLog());
});
