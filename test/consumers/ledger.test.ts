import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ackTimeoutReason,
  type ConsumerDelivery,
  ConsumerLedger,
  type ConsumerLedgerOptions,
} from '../../src/consumers/ledger.js';
import { retryDelayMs } from '../../src/consumers/retry-delay.js';
import { positionsOf, recordedEvents } from './recorded-events.js';

function ledgerWith(options: Partial<ConsumerLedgerOptions> = {}): ConsumerLedger {
  return new ConsumerLedger({
    checkpoint: 0,
    maxInFlight: 10,
    maxAttempts: 3,
    ackTimeoutMs: 1000,
    ...options,
  });
}

const attempts = (deliveries: ConsumerDelivery[]) => deliveries.map((d) => [d.event.position, d.attempt]);

describe('retryDelayMs', () => {
  it('starts at 100 ms, doubles with each failed attempt and stops at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50, 1000].map(retryDelayMs)).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000,
    ]);
  });
});

describe('ConsumerLedger', () => {
  it('delivers first deliveries in position order with attempt 1 and an ack deadline', () => {
    const ledger = ledgerWith();
    ledger.offer(recordedEvents(2, 3, 7), 9);
    expect(attempts(ledger.take(0, 10))).toEqual([
      [2, 1],
      [3, 1],
      [7, 1],
    ]);
    expect(ledger.nextWakeAt()).toBe(1000);
    expect(ledger.take(0, 10)).toEqual([]);
  });

  it('hands out at most `max` now and never more than maxInFlight outstanding', () => {
    const ledger = ledgerWith({ maxInFlight: 3 });
    ledger.offer(recordedEvents(1, 2, 3, 4, 5), 5);
    expect(positionsOf(ledger.take(0, 2))).toEqual([1, 2]);
    expect(positionsOf(ledger.take(0, 10))).toEqual([3]);
    expect(ledger.take(0, 10)).toEqual([]);
    ledger.ack([2]);
    expect(positionsOf(ledger.take(0, 10))).toEqual([4]);
  });

  it('counts an event waiting for its redelivery as outstanding', () => {
    const ledger = ledgerWith({ maxInFlight: 1 });
    ledger.offer(recordedEvents(1, 2), 2);
    ledger.take(0, 10);
    ledger.nack([1], 'RETRY', null, 0);
    expect(ledger.take(50, 10)).toEqual([]);
    expect(attempts(ledger.take(100, 10))).toEqual([[1, 2]]);
  });

  it('ignores offered events at or before the checkpoint, already covered, or to skip', () => {
    const ledger = ledgerWith({ checkpoint: 4, skip: [6, 9] });
    ledger.offer(recordedEvents(3, 4, 5, 6, 7), 8);
    ledger.offer(recordedEvents(7, 8, 9, 10), 10);
    expect(positionsOf(ledger.take(0, 10))).toEqual([5, 7, 10]);
    ledger.ack([5, 7, 10]);
    expect(ledger.checkpoint()).toBe(10);
  });

  it('acknowledges only events in flight', () => {
    const ledger = ledgerWith();
    ledger.offer(recordedEvents(1, 2), 2);
    ledger.ack([1]);
    expect(ledger.checkpoint()).toBe(0);
    ledger.take(0, 1);
    ledger.ack([1, 1, 2, 42]);
    expect(ledger.checkpoint()).toBe(1);
    expect(positionsOf(ledger.take(0, 10))).toEqual([2]);
    ledger.ack([1]);
    expect(ledger.nextWakeAt()).toBe(1000);
  });

  it('redelivers after a nack with RETRY once the backoff has passed, before first deliveries', () => {
    const ledger = ledgerWith();
    ledger.offer(recordedEvents(1, 2), 2);
    ledger.take(0, 1);
    ledger.nack([1], 'RETRY', 'busy', 10);
    expect(ledger.nextWakeAt()).toBe(10 + retryDelayMs(1));
    expect(positionsOf(ledger.take(20, 1))).toEqual([2]);
    ledger.offer(recordedEvents(3), 3);
    expect(attempts(ledger.take(110, 10))).toEqual([
      [1, 2],
      [3, 1],
    ]);
    expect(ledger.takeParked()).toEqual([]);
  });

  it('parks after maxAttempts failed attempts with the last reason', () => {
    const ledger = ledgerWith({ maxAttempts: 2 });
    ledger.offer(recordedEvents(1), 1);
    ledger.take(0, 1);
    ledger.nack([1], 'RETRY', 'first', 0);
    expect(attempts(ledger.take(100, 1))).toEqual([[1, 2]]);
    ledger.nack([1], 'RETRY', 'second', 500);
    expect(ledger.takeParked()).toEqual([
      { position: 1, attempts: 2, reason: 'second', parkedAt: new Date(500) },
    ]);
    expect(ledger.takeParked()).toEqual([]);
    expect(ledger.checkpoint()).toBe(1);
    expect(ledger.take(10_000, 10)).toEqual([]);
    expect(ledger.nextWakeAt()).toBeNull();
  });

  it('parks at once on a nack with PARK, with the failed attempts so far', () => {
    const ledger = ledgerWith();
    ledger.offer(recordedEvents(1, 2), 2);
    ledger.take(0, 10);
    ledger.nack([2], 'PARK', 'poison', 5);
    ledger.nack([1], 'RETRY', null, 5);
    ledger.take(105, 10);
    ledger.nack([1], 'PARK', null, 200);
    expect(ledger.takeParked()).toEqual([
      { position: 2, attempts: 0, reason: 'poison', parkedAt: new Date(5) },
      { position: 1, attempts: 1, reason: null, parkedAt: new Date(200) },
    ]);
    expect(ledger.checkpoint()).toBe(2);
  });

  it('ignores nacks of events not in flight (never delivered, waiting, done)', () => {
    const ledger = ledgerWith({ maxAttempts: 1 });
    ledger.offer(recordedEvents(1, 2), 2);
    ledger.nack([2], 'PARK', 'x', 0);
    ledger.take(0, 1);
    ledger.ack([1]);
    ledger.nack([1], 'RETRY', 'x', 0);
    expect(ledger.takeParked()).toEqual([]);
    expect(positionsOf(ledger.take(0, 10))).toEqual([2]);
  });

  it('treats a missed ack deadline as a failed attempt, and parks with "ack timeout" after the last', () => {
    const ledger = ledgerWith({ maxAttempts: 2, ackTimeoutMs: 1000 });
    ledger.offer(recordedEvents(1, 2), 2);
    ledger.take(0, 1);
    ledger.take(400, 1);
    expect(ledger.expire(999)).toEqual([]);
    expect(ledger.expire(1000)).toEqual([1]);
    expect(ledger.nextWakeAt()).toBe(1000 + retryDelayMs(1));
    expect(attempts(ledger.take(1100, 10))).toEqual([[1, 2]]);
    expect(ledger.expire(1400)).toEqual([2]);
    expect(ledger.expire(2100)).toEqual([1]);
    expect(ledger.takeParked()).toEqual([
      { position: 1, attempts: 2, reason: ackTimeoutReason, parkedAt: new Date(2100) },
    ]);
    expect(ledger.checkpoint()).toBe(1);
  });

  it('an ack after the deadline is ignored: the event comes again', () => {
    const ledger = ledgerWith();
    ledger.offer(recordedEvents(1), 1);
    ledger.take(0, 1);
    ledger.expire(1000);
    ledger.ack([1]);
    expect(attempts(ledger.take(1100, 1))).toEqual([[1, 2]]);
  });

  it('moves the checkpoint over gaps and filtered-out positions, never past an unfinished event', () => {
    const ledger = ledgerWith({ checkpoint: 10 });
    expect(ledger.checkpoint()).toBe(10);
    ledger.offer([], 15);
    expect(ledger.checkpoint()).toBe(15);
    ledger.offer(recordedEvents(17, 20, 22), 25);
    expect(ledger.checkpoint()).toBe(16);
    ledger.take(0, 10);
    ledger.ack([20]);
    expect(ledger.checkpoint()).toBe(16);
    ledger.ack([17]);
    expect(ledger.checkpoint()).toBe(21);
    ledger.nack([22], 'PARK', null, 0);
    expect(ledger.checkpoint()).toBe(25);
  });

  it('never moves the checkpoint back when an offer covers less than before', () => {
    const ledger = ledgerWith();
    ledger.offer([], 8);
    ledger.offer([], 5);
    expect(ledger.checkpoint()).toBe(8);
    ledger.offer(recordedEvents(6, 9), 9);
    expect(ledger.checkpoint()).toBe(8);
    expect(positionsOf(ledger.take(0, 10))).toEqual([9]);
  });

  it('asks for events while fewer than maxInFlight wait for their first delivery', () => {
    const ledger = ledgerWith({ maxInFlight: 2 });
    expect(ledger.needsEvents()).toBe(true);
    ledger.offer(recordedEvents(1), 1);
    expect(ledger.needsEvents()).toBe(true);
    ledger.offer(recordedEvents(2, 3), 3);
    expect(ledger.needsEvents()).toBe(false);
    ledger.take(0, 2);
    expect(ledger.needsEvents()).toBe(true);
  });

  it('wakes at the earliest ack deadline or redelivery time', () => {
    const ledger = ledgerWith({ ackTimeoutMs: 1000 });
    expect(ledger.nextWakeAt()).toBeNull();
    ledger.offer(recordedEvents(1, 2), 2);
    expect(ledger.nextWakeAt()).toBeNull();
    ledger.take(0, 1);
    ledger.take(300, 1);
    expect(ledger.nextWakeAt()).toBe(1000);
    ledger.nack([2], 'RETRY', null, 400);
    expect(ledger.nextWakeAt()).toBe(400 + retryDelayMs(1));
  });

  it('replays parked events with attempt 1, without holding the checkpoint back, and reports them once acked', () => {
    const ledger = ledgerWith({ checkpoint: 10 });
    ledger.replay(recordedEvents(3, 7));
    ledger.offer(recordedEvents(12), 12);
    expect(attempts(ledger.take(0, 10))).toEqual([
      [3, 1],
      [7, 1],
      [12, 1],
    ]);
    ledger.ack([12, 3]);
    expect(ledger.checkpoint()).toBe(12);
    expect(ledger.takeFinishedReplays()).toEqual([3]);
    expect(ledger.takeFinishedReplays()).toEqual([]);
    ledger.nack([7], 'PARK', 'again', 50);
    expect(ledger.takeParked()).toEqual([
      { position: 7, attempts: 0, reason: 'again', parkedAt: new Date(50) },
    ]);
    expect(ledger.takeFinishedReplays()).toEqual([]);
  });

  it('a replay ahead of the source is delivered once: by the source it holds the checkpoint, done first it is not offered again', () => {
    const ledger = ledgerWith({ checkpoint: 0 });
    ledger.replay(recordedEvents(4, 6));
    ledger.take(0, 10);
    ledger.ack([6]);
    ledger.offer(recordedEvents(4, 5, 6), 6);
    expect(ledger.checkpoint()).toBe(3);
    expect(positionsOf(ledger.take(0, 10))).toEqual([5]);
    ledger.ack([4, 5]);
    expect(ledger.checkpoint()).toBe(6);
    expect(ledger.takeFinishedReplays()).toEqual([6, 4]);
  });
});

/**
 * The model's view of one offered or replayed event: how often it was delivered and failed,
 * and whether it is done. The ledger is driven by random commands and checked against it.
 */
interface Modelled {
  state: 'waiting' | 'in-flight' | 'failed' | 'acked' | 'parked';
  deliveries: number;
  failures: number;
  deadline: number;
  holds: boolean;
}

type Command =
  | { kind: 'offer'; gaps: number[]; extra: number }
  | { kind: 'take'; max: number }
  | { kind: 'ack' | 'retry' | 'park'; picks: number[] }
  | { kind: 'time'; ms: number }
  | { kind: 'expire' };

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('offer' as const),
    gaps: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }),
    extra: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constant('take' as const), max: fc.integer({ min: 0, max: 6 }) }),
  fc.record({
    kind: fc.constantFrom('ack' as const, 'retry' as const, 'park' as const),
    picks: fc.array(fc.nat(40), { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 700 }) }),
  fc.record({ kind: fc.constant('expire' as const) }),
);

class Harness {
  readonly model = new Map<number, Modelled>();
  now = 0;
  covered: number;
  checkpoint: number;
  nextPosition: number;
  readonly ledger: ConsumerLedger;

  constructor(
    readonly options: ConsumerLedgerOptions,
    replayed: number[],
  ) {
    this.ledger = new ConsumerLedger(options);
    this.covered = options.checkpoint;
    this.checkpoint = options.checkpoint;
    this.nextPosition = options.checkpoint + 1;
    for (const position of replayed) this.model.set(position, this.fresh(false));
    this.ledger.replay(recordedEvents(...replayed));
  }

  run(command: Command): void {
    if (command.kind === 'offer') this.offer(command.gaps, command.extra);
    else if (command.kind === 'take') this.take(command.max);
    else if (command.kind === 'time') this.now += command.ms;
    else if (command.kind === 'expire') this.expire();
    else this.answer(command.kind, command.picks);
    this.check();
  }

  /** Acks or nacks everything it is given until nothing is left: every event must end done. */
  drain(): void {
    for (let round = 0; round < 200 && !this.allDone(); round++) {
      const deliveries = this.take(1000);
      const positions = positionsOf(deliveries);
      const retry = positions.filter((position) => position % 3 === 0);
      this.respond('retry', retry);
      this.respond(
        'ack',
        positions.filter((position) => position % 3 !== 0),
      );
      this.now += 5_000;
      this.expire();
      this.check();
    }
  }

  private allDone(): boolean {
    return [...this.model.values()].every((m) => m.state === 'acked' || m.state === 'parked');
  }

  private fresh(holds: boolean): Modelled {
    return { state: 'waiting', deliveries: 0, failures: 0, deadline: 0, holds };
  }

  private offer(gaps: number[], extra: number): void {
    const positions: number[] = [];
    for (const gap of gaps) {
      const position = this.nextPosition + gap - 1;
      this.nextPosition = position + 1;
      positions.push(position);
      const known = this.model.get(position);
      if (known) known.holds = true;
      else this.model.set(position, this.fresh(true));
    }
    this.nextPosition += extra;
    this.covered = this.nextPosition - 1;
    this.ledger.offer(recordedEvents(...positions), this.covered);
  }

  private take(max: number): ConsumerDelivery[] {
    const deliveries = this.ledger.take(this.now, max);
    expect(deliveries.length).toBeLessThanOrEqual(max);
    for (const { event, attempt } of deliveries) {
      const modelled = this.model.get(event.position);
      // Delivered before only if an attempt failed since: never twice without a failure between.
      expect(modelled?.state).toMatch(/^(waiting|failed)$/);
      if (!modelled) continue;
      expect(attempt).toBe(modelled.failures + 1);
      modelled.state = 'in-flight';
      modelled.deliveries += 1;
      modelled.deadline = this.now + this.options.ackTimeoutMs;
    }
    const outstanding = [...this.model.values()].filter(
      (m) => m.state === 'in-flight' || m.state === 'failed',
    );
    expect(outstanding.length).toBeLessThanOrEqual(this.options.maxInFlight);
    return deliveries;
  }

  private answer(kind: 'ack' | 'retry' | 'park', picks: number[]): void {
    const known = [...this.model.keys()];
    this.respond(
      kind,
      picks.map((pick) => known[pick % Math.max(1, known.length)] ?? pick),
    );
  }

  private respond(kind: 'ack' | 'retry' | 'park', positions: number[]): void {
    if (kind === 'ack') this.ledger.ack(positions);
    else this.ledger.nack(positions, kind === 'retry' ? 'RETRY' : 'PARK', kind, this.now);
    for (const position of new Set(positions)) {
      const modelled = this.model.get(position);
      if (modelled?.state !== 'in-flight') continue;
      if (kind === 'ack') modelled.state = 'acked';
      else if (kind === 'park') modelled.state = 'parked';
      else this.failed(modelled);
    }
    this.checkParked();
  }

  private expire(): void {
    const expected = [...this.model.entries()]
      .filter(([, m]) => m.state === 'in-flight' && m.deadline <= this.now)
      .map(([position]) => position);
    expect(this.ledger.expire(this.now).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    for (const position of expected) this.failed(this.model.get(position)!);
    this.checkParked();
  }

  private failed(modelled: Modelled): void {
    modelled.failures += 1;
    modelled.state = modelled.failures >= this.options.maxAttempts ? 'parked' : 'failed';
  }

  private checkParked(): void {
    for (const record of this.ledger.takeParked()) {
      expect(this.model.get(record.position)?.state).toBe('parked');
      expect(record.attempts).toBeLessThanOrEqual(this.options.maxAttempts);
    }
  }

  check(): void {
    const checkpoint = this.ledger.checkpoint();
    expect(checkpoint).toBeGreaterThanOrEqual(this.checkpoint);
    expect(checkpoint).toBeLessThanOrEqual(this.covered);
    for (const [position, modelled] of this.model) {
      if (modelled.holds && position <= checkpoint) expect(modelled.state).toMatch(/^(acked|parked)$/);
    }
    this.checkpoint = checkpoint;
  }

  finished(): void {
    for (const modelled of this.model.values()) expect(modelled.state).toMatch(/^(acked|parked)$/);
    expect(this.ledger.checkpoint()).toBe(this.covered);
    expect(this.ledger.nextWakeAt()).toBeNull();
  }
}

describe('ConsumerLedger against a model (property)', () => {
  it('delivers again only after a failure, keeps the checkpoint honest, and ends with every event done', () => {
    fc.assert(
      fc.property(
        fc.record({
          checkpoint: fc.integer({ min: 0, max: 5 }),
          maxInFlight: fc.integer({ min: 1, max: 5 }),
          maxAttempts: fc.integer({ min: 1, max: 4 }),
          ackTimeoutMs: fc.integer({ min: 100, max: 1000 }),
        }),
        fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
        fc.array(commandArbitrary, { maxLength: 60 }),
        (options, replayed, commands) => {
          const harness = new Harness(options, replayed);
          for (const command of commands) harness.run(command);
          harness.drain();
          harness.finished();
        },
      ),
      { numRuns: 300 },
    );
  });
});
