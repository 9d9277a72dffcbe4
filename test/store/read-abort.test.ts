// A log read stops at the next page once its reader has gone (the signal aborted): what it has
// is a contiguous prefix, with hasNextPage, and no further Query is sent.
import { describe, expect, test } from 'vitest';
import { countCalls, createTestStore, testClient, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

describe('readLog with a signal', () => {
  test('a filtered read that would take 11 Queries takes 1 once its signal has aborted', async () => {
    const client = testClient();
    const calls = countCalls(client);
    const { store } = await createTestStore(uniquePrefix('abort'), { client });
    const tenant = store.forTenant(uniqueTenant('abort'));
    for (let i = 0; i < 32; i++) {
      await tenant.append({
        stream: { name: `a${i}` },
        events: Array.from({ length: 32 }, (_, j) => ({ type: 'Common', data: j })),
      });
    }
    const filter = { types: ['Rare'] };
    calls.reset();
    const whole = await tenant.readLog({ first: 1, filter });
    expect(calls.get('QueryCommand')).toBe(11);
    expect(whole).toMatchObject({ edges: [], lastPosition: 1024, hasNextPage: false });

    calls.reset();
    const gone = new AbortController();
    gone.abort();
    const cut = await tenant.readLog({ first: 1, filter, signal: gone.signal });
    expect(calls.get('QueryCommand')).toBe(1);
    expect(cut).toMatchObject({ edges: [], lastPosition: 100, hasNextPage: true });
    await store.close();
  });
});
