// The consume side of relay-faults.test.ts's stale-holder test: a consumer's subscriptions on two
// gateway processes, the test's acknowledgements through the gateway that delivered, and reads
// of its saved checkpoint and of its lease (straight from DynamoDB).
import { expect } from 'vitest';
import type { ConsumerLease, TenantConsumerStore } from '../../src/store/consumers/types.js';
import { ConsumeDocument, type ConsumeSubscription } from '../generated/graphql.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import type { LiveSubscription, WsClient } from '../support/subscriptions.js';
import { type CheckpointSampler, gql, readConsumer, sampleCheckpoints } from './fault-fixtures.js';
import { readUntil, sleep } from './relay-fixtures.js';

export function positionsOf(items: readonly ConsumeSubscription[]): number[] {
  return items.map((item) => item.consume.event.position);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

const ackMutation = `mutation ($input: AckEventsInput!) { ackEvents(input: $input) { __typename } }`;

/**
 * The test's acknowledgements of a `consume` consumer, sent through the gateway that delivered.
 * A position counts as acknowledged from the moment its ack is sent (the gateway may apply it
 * before the answer comes back): what the saved checkpoint may cover.
 */
export class ClientAcks {
  private readonly sent = new Set<number>();
  private highest = 0;

  constructor(private readonly consumer: string) {}

  through(): number {
    while (this.sent.has(this.highest + 1)) this.highest += 1;
    return this.highest;
  }

  async send(via: GatewayProcess, positions: readonly number[]): Promise<void> {
    for (const position of positions) this.sent.add(position);
    const data = await gql<{ ackEvents: { __typename: string } }>(via, ackMutation, {
      input: { consumer: this.consumer, positions },
    });
    expect(data.ackEvents.__typename).toBe('ConsumerSuccess');
  }

  /** Acknowledges through `via` what `subscription` receives, up to `upTo()`, until stopped. */
  follow(
    subscription: LiveSubscription<ConsumeSubscription>,
    via: GatewayProcess,
    upTo: () => number,
  ): { stop(): Promise<void> } {
    const done = new Set<number>();
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const limit = upTo();
        const due = [...new Set(positionsOf(subscription.items))].filter(
          (position) => position <= limit && !done.has(position),
        );
        if (due.length > 0) {
          await this.send(via, due);
          for (const position of due) done.add(position);
        }
        await sleep(20);
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
      },
    };
  }
}

/**
 * One consumer (no webhook, from position 0) with a `consume` subscription on gateway A and
 * another on gateway B, both opened by `subscribe`; its checkpoint is read through B.
 */
export class ConsumedOnTwo {
  readonly acks: ClientAcks;
  readonly samples: CheckpointSampler;
  subA!: LiveSubscription<ConsumeSubscription>;
  subB!: LiveSubscription<ConsumeSubscription>;

  constructor(
    readonly name: string,
    private readonly b: GatewayProcess,
    private readonly store: TenantConsumerStore,
  ) {
    this.acks = new ClientAcks(name);
    this.samples = sampleCheckpoints(
      async () => (await readConsumer(b, name)).checkpoint,
      () => this.acks.through(),
    );
  }

  subscribe(ws: WsClient, on: 'A' | 'B'): void {
    const subscription = ws.subscribe(ConsumeDocument, { consumer: this.name, maxInFlight: 10 });
    if (on === 'A') this.subA = subscription;
    else this.subB = subscription;
  }

  async lease(): Promise<ConsumerLease | null> {
    return (await this.store.get(this.name))?.lease ?? null;
  }

  async saved(): Promise<number> {
    return (await readConsumer(this.b, this.name)).checkpoint;
  }

  async untilSaved(checkpoint: number, what: string, timeoutMs: number): Promise<void> {
    await readUntil(
      () => this.saved(),
      (saved) => saved === checkpoint,
      `${this.name}: ${what}`,
      timeoutMs,
    );
  }

  /** Checkpoints read that were lower than the one read before. */
  wentBack(): number[] {
    const checkpoints = this.samples.samples.map((sample) => sample.checkpoint);
    return checkpoints.filter((checkpoint, index) => index > 0 && checkpoint < checkpoints[index - 1]!);
  }
}
