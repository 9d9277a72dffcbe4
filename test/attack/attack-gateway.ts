// The attack tests' pieces: in-process "gateways" on one DynamoDB Local table (each its own
// client, event store, hub, consumer store and ConsumerSessions, as a gateway process has), a
// valve on each client that holds chosen DynamoDB requests until the test lets them go (a slow
// network, a partition, a paused process: DynamoDB itself is real and untouched), readers that
// consume like an API client and record every delivery and every ack, and a watcher that samples
// the consumer as stored, so a test can check the whole history afterwards.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ConsumerSessions,
  ConsumeSession,
  type ConsumeSessionOptions,
  type SessionTiming,
} from '../../src/consumers/index.js';
import type { NackAction } from '../../src/consumers/ledger.js';
import {
  type ConsumerState,
  type ConsumerStore,
  createDynamoConsumerStore,
  type EventStore,
  type RecordedEvent,
} from '../../src/store/index.js';
import { type Clock, SubscriptionHub, systemClock } from '../../src/subscriptions/index.js';
import { createTestStore, testClient } from '../support/dynamo.js';

/** Short enough that takeovers and reloads happen within a test's second or two. */
export const fastTiming: SessionTiming = {
  leaseTtlMs: 1_500,
  renewEveryMs: 250,
  acquireRetryMs: 100,
  checkpointEveryMs: 100,
  errorRetryMs: 100,
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A clock `offsetMs` away from this machine's (a gateway whose clock is wrong). */
export function skewedClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs, sleep: systemClock.sleep };
}

type RequestMatcher = (command: string, input: Record<string, unknown>) => boolean;

export interface Hold {
  /** Resolves when the first matching request reached the valve. */
  readonly reached: Promise<void>;
  /** Requests held so far. */
  readonly count: number;
  /** Lets every held request (and later matching ones) through. */
  release(): void;
}

/** Holds a client's matching requests before they are sent, until released. */
export class Valve {
  private readonly holds = new Set<{
    matches: RequestMatcher;
    arrived: () => void;
    released: Promise<void>;
    count: number;
    /** Once released, a held request fails with this (never sent) instead of going on. */
    failure: (() => Error) | undefined;
  }>();

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? '').replace(/Command$/, '');
        const input = args.input as Record<string, unknown>;
        for (const hold of [...this.holds]) {
          if (!hold.matches(command, input)) continue;
          hold.count += 1;
          hold.arrived();
          await hold.released;
          if (hold.failure) throw hold.failure();
        }
        return next(args);
      },
      { step: 'initialize', name: 'attackValve', priority: 'high' },
    );
  }

  /**
   * Holds matching requests until `release()`; with `failure`, each held request then fails with
   * it without being sent (a call that hung, then timed out).
   */
  hold(matches: RequestMatcher, failure?: () => Error): Hold {
    let arrived: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entry = { matches, arrived, released, count: 0, failure };
    this.holds.add(entry);
    return {
      reached,
      get count() {
        return entry.count;
      },
      release: () => {
        this.holds.delete(entry);
        release();
      },
    };
  }
}

export interface Gateway {
  readonly store: EventStore;
  readonly hub: SubscriptionHub;
  readonly consumers: ConsumerStore;
  readonly sessions: ConsumerSessions;
  readonly valve: Valve;
  close(): Promise<void>;
}

export async function startGateway(tablePrefix: string): Promise<Gateway> {
  const hub = new SubscriptionHub({ poll: { activeIntervalMs: 20, maxIntervalMs: 100 } });
  const client = testClient();
  const valve = new Valve();
  valve.attach(client);
  const { store } = await createTestStore(tablePrefix, { client, observer: hub.observer });
  const consumers = createDynamoConsumerStore({ client, tablePrefix });
  const sessions = new ConsumerSessions();
  return {
    store,
    hub,
    consumers,
    sessions,
    valve,
    close: async () => {
      await sessions.closeAll();
      await hub.close();
      await store.close();
      client.destroy();
    },
  };
}

/** What a reader does with a delivery: acknowledge, nack (RETRY or PARK), or keep it unanswered. */
export type Answer = 'ack' | NackAction | 'hold';

export interface Delivered {
  readonly reader: string;
  readonly position: number;
  readonly attempt: number;
  readonly event: RecordedEvent;
  /** Date.now() when it was handed over. */
  readonly at: number;
}

/**
 * A `consume` client: pulls the session, records each delivery, answers it through the gateway's
 * ConsumerSessions (the API's route) as `answer` says. `acked` holds every position it ever
 * acknowledged (whether the ledger took it or not): a superset of what the ledger counted done.
 */
export class Reader {
  readonly deliveries: Delivered[] = [];
  readonly acked = new Set<number>();
  readonly parkedByMe = new Set<number>();
  readonly errors: unknown[] = [];
  readonly session: ConsumeSession;
  private readonly loop: Promise<void>;

  constructor(
    readonly label: string,
    private readonly gateway: Gateway,
    private readonly tenant: string,
    private readonly name: string,
    private readonly answer: (delivery: Delivered) => Answer,
    options: Partial<ConsumeSessionOptions> = {},
  ) {
    this.session = new ConsumeSession({
      consumers: gateway.consumers.forTenant(tenant),
      events: gateway.store.forTenant(tenant),
      hub: gateway.hub,
      sessions: gateway.sessions,
      name,
      maxInFlight: 10,
      timing: fastTiming,
      onError: (error) => this.errors.push(error),
      ...options,
    });
    this.loop = this.run();
  }

  positions(): number[] {
    return this.deliveries.map((delivery) => delivery.position);
  }

  /** Deliveries handed over at or after `since` (Date.now()). */
  deliveredSince(since: number): number[] {
    return this.deliveries.filter((delivery) => delivery.at >= since).map((delivery) => delivery.position);
  }

  ack(positions: readonly number[]): void {
    for (const position of positions) this.acked.add(position);
    this.gateway.sessions.ack(this.tenant, this.name, positions);
  }

  park(positions: readonly number[], reason = 'attack'): void {
    for (const position of positions) this.parkedByMe.add(position);
    this.gateway.sessions.nack(this.tenant, this.name, positions, 'PARK', reason);
  }

  /** The client leaves: the session saves its checkpoint, releases the lease and ends. */
  async stop(): Promise<void> {
    await this.session.return();
    await this.loop;
  }

  private async run(): Promise<void> {
    for (;;) {
      const next = await this.session.next();
      if (next.done) return;
      const { event, attempt } = next.value;
      const delivery = { reader: this.label, position: event.position, attempt, event, at: Date.now() };
      this.deliveries.push(delivery);
      this.respond(delivery);
    }
  }

  private respond(delivery: Delivered): void {
    const answer = this.answer(delivery);
    if (answer === 'ack') this.ack([delivery.position]);
    else if (answer === 'PARK') this.park([delivery.position]);
    else if (answer === 'RETRY')
      this.gateway.sessions.nack(this.tenant, this.name, [delivery.position], 'RETRY', 'attack');
  }
}

export interface Sample {
  /** Date.now() when the read was sent. */
  readonly at: number;
  readonly consumer: ConsumerState | null;
}

/** Reads the consumer as stored every few milliseconds, until stopped. */
export class Watcher {
  readonly samples: Sample[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly consumers: ConsumerStore,
    private readonly tenant: string,
    private readonly name: string,
    private readonly everyMs = 20,
  ) {
    this.loop = this.run();
  }

  async stop(): Promise<Sample[]> {
    this.stopped = true;
    await this.loop;
    return this.samples;
  }

  checkpoints(): number[] {
    return this.samples.flatMap((sample) => (sample.consumer ? [sample.consumer.checkpoint] : []));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // The time the read was sent: a read sent after a write returned sees that write.
      const at = Date.now();
      const consumer = await this.consumers.forTenant(this.tenant).get(this.name);
      this.samples.push({ at, consumer });
      await sleep(this.everyMs);
    }
  }
}

/** Polls `read` until `accept` holds; fails with the last value after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T> | T,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    }
    await sleep(20);
  }
}
