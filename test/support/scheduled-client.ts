// DynamoDB clients whose requests wait at a gate that a fast-check scheduler opens, so that the
// scheduler (not the network) decides in which order the requests of several store instances
// reach DynamoDB. One RequestGate is shared by all the clients of a test.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Scheduler } from 'fast-check';
import { testClient } from './dynamo.js';

type Input = Record<string, unknown>;
interface Key {
  pk?: { S?: string };
  sk?: { S?: string };
}
interface Action {
  Put?: { Item?: Key & Record<string, unknown> };
  Delete?: { Key?: Key };
  ConditionCheck?: { Key?: Key };
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RequestGate {
  /** The scheduler of the current run; null (or `open`): requests pass at once (setup, checks). */
  scheduler: Scheduler | null = null;
  /** True while setup writes run: they bypass the scheduler. */
  open = true;
  /**
   * True: the scheduler releases the next request only once the previous one has returned, so
   * DynamoDB sees exactly the scheduler's order. False: released requests may overlap.
   */
  serial = true;
  /**
   * Extra scheduling rounds per request, by order of arrival at the gate in this run: a request
   * held k rounds must be picked k + 1 times before it is sent, so it tends to straggle while
   * others overtake it (a uniform pick rarely starves one request for long). Missing: 0.
   */
  holds: readonly number[] = [];
  private arrivals = 0;
  /** Short names for partition keys in labels (e.g. the stream names of the run). */
  describePk: (pk: string) => string = (pk) => pk;
  /** How many gated requests have been released and not yet answered. */
  private inFlight = 0;
  private settled: Array<() => void> = [];
  private middlewares = 0;

  /** Starts a run: `scheduler` orders the requests from now on (null: they pass at once). */
  begin(scheduler: Scheduler | null, options: { serial: boolean; holds: readonly number[] }): void {
    this.scheduler = scheduler;
    this.open = scheduler === null;
    this.serial = options.serial;
    this.holds = options.holds;
    this.arrivals = 0;
  }

  /** Ends a run: requests pass at once again. */
  end(): void {
    this.open = true;
    this.scheduler = null;
  }

  /** fast-check's `act`: in serial mode, waits until no released request is still in flight. */
  readonly act = async (release: () => Promise<void>): Promise<void> => {
    if (this.serial) await this.quiescent();
    await release();
  };

  /** Resolves when no released request is in flight and the stores have had time to send their next. */
  async quiescent(): Promise<void> {
    for (;;) {
      while (this.inFlight > 0) await new Promise<void>((resolve) => this.settled.push(resolve));
      // Let the answered callers run on to their next request (they reach the gate in microtasks).
      await nextTick();
      await nextTick();
      if (this.inFlight === 0) return;
    }
  }

  /**
   * A client whose every request waits for the scheduler (at the `initialize` step: the SDK's own
   * retries of a sent request happen below it and are not gated again).
   */
  client(instance: string): DynamoDBClient {
    const client = testClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const scheduler = this.scheduler;
        if (this.open || scheduler === null) return next(args);
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const label = `${instance} ${operation} ${this.describe(operation, args.input as Input)}`;
        const held = this.holds[this.arrivals++] ?? 0;
        for (let round = held; round > 0; round--) {
          await scheduler.schedule(Promise.resolve(), `${label} (held, ${round} more)`);
        }
        await scheduler.schedule(Promise.resolve(), label);
        this.inFlight++;
        try {
          return await next(args);
        } finally {
          this.inFlight--;
          for (const wake of this.settled.splice(0)) wake();
        }
      },
      { step: 'initialize', name: `requestGate${++this.middlewares}`, priority: 'high' },
    );
    return client;
  }

  private key(key: Key | undefined): string {
    if (!key?.pk?.S) return '?';
    return `${this.describePk(key.pk.S)}/${key.sk?.S ?? ''}`;
  }

  /** What a request does, in the protocol's terms, for the scheduler's report. */
  private describe(operation: string, input: Input): string {
    switch (operation) {
      case 'GetItem':
        return this.key(input.Key as Key);
      case 'UpdateItem':
        return `${this.key(input.Key as Key)} (mark deleting)`;
      case 'Query': {
        const values = input.ExpressionAttributeValues as Record<string, { S?: string }> | undefined;
        return this.describePk(values?.[':pk']?.S ?? '?');
      }
      case 'BatchGetItem': {
        const tables = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: Key[] }>);
        return tables.flatMap((table) => (table.Keys ?? []).map((key) => this.key(key))).join(' ');
      }
      case 'TransactWriteItems': {
        const actions = (input.TransactItems ?? []) as Action[];
        const first = actions[0];
        if (first?.ConditionCheck) {
          const tombstones = actions.filter((action) => action.Put).length;
          return `deletion of ${this.key(first.ConditionCheck.Key)}: ${actions.length - 1} writes (${tombstones} tombstones)`;
        }
        if (first?.Delete) return `deletion: remove ${this.key(first.Delete.Key)} and listing`;
        if (first?.Put && first.Put.Item?.sk?.S === 'COUNTER') {
          const heads = actions
            .map((action) => action.Put?.Item)
            .filter((item) => item?.sk?.S === 'HEAD')
            .map((item) => {
              const pk = item?.pk?.S ?? '';
              const events = actions.filter(
                (action) => action.Put?.Item?.pk?.S === pk && action.Put.Item.sk?.S?.startsWith('E#'),
              ).length;
              return `${this.describePk(pk)}+${events}`;
            });
          return `commit ${heads.join(' ')}`;
        }
        return `${actions.length} actions`;
      }
      default:
        return '';
    }
  }
}
