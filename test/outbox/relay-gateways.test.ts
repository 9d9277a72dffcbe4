// Two gateways' relays on one table (each its own client, store, hub and relay): the lease makes
// exactly one of them relay a consumer, so the receiver never sees an event twice while both live;
// a graceful stop of the holder hands the consumer to the other within 2 s, and nothing is lost
// (a batch aborted by the stop may come again: at least once).
import { afterEach, describe, expect, test } from 'vitest';
import { uniquePrefix, uniqueTenant } from '../support/dynamo.js';
import { until } from '../support/until.js';
import {
  appendEvents,
  type RelayGateway,
  readUntil,
  relayGateway,
  secret,
  startReceiver,
} from './relay-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function duplicates(positions: readonly number[]): number[] {
  const seen = new Set<number>();
  return positions.filter((position) => seen.has(position) || !seen.add(position));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

describe('WebhookRelay on two gateways', () => {
  test('one relays while the other waits; a stopped holder hands over within 2 s, nothing lost', async () => {
    const prefix = uniquePrefix('relays');
    const gateways: RelayGateway[] = [];
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    for (let i = 0; i < 3; i++) {
      const gateway = await relayGateway(prefix);
      gateways.push(gateway);
      cleanups.push(gateway.close);
    }
    const [a, b, c] = gateways as [RelayGateway, RelayGateway, RelayGateway];
    const tenant = uniqueTenant('relays');
    const name = 'shared-hook';
    await a.consumers.forTenant(tenant).create({
      name,
      filter: null,
      after: 0,
      maxAttempts: 5,
      ackTimeoutMs: 1_000,
      webhook: { url: receiver.url, secret, batchSize: 2 },
    });
    a.relay.start();
    b.relay.start();
    // Writers on both gateways, while both relays live.
    let written = 0;
    for (let round = 0; round < 10; round++) {
      const through = round % 2 === 0 ? a : b;
      written += (await appendEvents(through.store, tenant, 1 + (round % 3), written + 1)).length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await until(() => receiver.positions().length >= written, 'every event while both live');
    expect(receiver.positions()).toEqual(range(1, written));
    const holders = [a, b].filter((gateway) => gateway.relay.stats.delivering === 1);
    expect(holders).toHaveLength(1);
    const holder = holders[0]!;
    const waiter = holder === a ? b : a;
    expect(waiter.relay.stats).toEqual({ workers: 1, delivering: 0 });
    expect(waiter.outcomes).toEqual([]);

    // A third gateway starts, so that each handover below has a waiter.
    c.relay.start();
    const takeovers: number[] = [];
    const mayRepeat = new Set<number>();
    let current = holder;
    let next = waiter;
    for (const survivor of [waiter, c]) {
      await until(() => next.relay.stats.workers === 1, 'a waiting worker');
      // A batch in flight at the stop is aborted; if the receiver had it already, it comes again
      // (at least once): only the last batch (batchSize 2) before a stop may be received twice.
      for (const position of receiver.positions().slice(-2)) mayRepeat.add(position);
      const stoppedAt = Date.now();
      await current.relay.stop();
      // A new event right after the stop: the next holder delivers it (and anything unacknowledged).
      written += (await appendEvents(survivor.store, tenant, 1, written + 1)).length;
      const target = written;
      await until(() => receiver.positions().includes(target), `event ${target} after the takeover`, 5_000);
      takeovers.push(
        receiver.requests.find((r) => r.body.events.some((e) => e.position === target))!.at - stoppedAt,
      );
      current = survivor;
      next = c;
    }
    expect([...new Set(receiver.positions())].sort((x, y) => x - y)).toEqual(range(1, written));
    for (const position of duplicates(receiver.positions())) expect(mayRepeat).toContain(position);
    expect(
      Math.max(...takeovers),
      `takeovers after a graceful stop: ${takeovers.join(', ')} ms`,
    ).toBeLessThan(2_000);

    const consumer = a.consumers.forTenant(tenant);
    expect(
      await readUntil(
        () => consumer.get(name),
        (state) => state?.checkpoint === written,
        'the checkpoint',
      ),
    ).toMatchObject({
      checkpoint: written,
    });
    for (const gateway of gateways) expect(gateway.errors).toEqual([]);
  });
});
