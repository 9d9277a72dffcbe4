import {
  type CancellationReason,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { counterPk, counterSk, headSk, streamPk } from '../../src/store/keys.js';
import { streamIdForName } from '../../src/store/stream-id.js';
import { absent, conditionalPutItem, type SeenHead, seenHeadOf, streamBodyWrites } from './raw-items.js';

export interface RawAppenderOptions {
  /** Read the head of a stream not seen before its first transaction (default true). */
  readUnseenHeads?: boolean;
}

export class RawAppender {
  private counter: number | undefined;
  private readonly heads = new Map<string, SeenHead>();
  private readonly readUnseenHeads: boolean;
  conflicts = 0;
  /** GetItem calls made (counter and heads). */
  reads = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly tenant: string,
    options: RawAppenderOptions = {},
  ) {
    this.readUnseenHeads = options.readUnseenHeads ?? true;
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    this.reads++;
    const output = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: marshall({ pk, sk }), ConsistentRead: true }),
    );
    return output.Item ? unmarshall(output.Item) : undefined;
  }

  private async headOf(pk: string): Promise<SeenHead> {
    let head = this.heads.get(pk);
    if (head === undefined) {
      head = this.readUnseenHeads ? seenHeadOf(await this.get(pk, headSk)) : absent;
      this.heads.set(pk, head);
    }
    return head;
  }

  /** Appends to the named stream (no category); returns the positions assigned. */
  async append(name: string, events: ReadonlyArray<{ type: string; data: unknown }>): Promise<number[]> {
    const pk = streamPk(this.tenant, { id: streamIdForName(name), category: null });
    for (;;) {
      if (this.counter === undefined) {
        this.counter =
          ((await this.get(counterPk(this.tenant), counterSk))?.position as number | undefined) ?? 0;
      }
      const head = await this.headOf(pk);
      const seen = this.counter;
      const items = this.transaction(name, pk, seen, head, events);
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items.writes }));
        this.counter = Math.max(this.counter ?? 0, seen + events.length);
        this.heads.set(pk, { version: head.version + events.length, incarnation: items.incarnation });
        return items.positions;
      } catch (error) {
        if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
        this.learn(pk, (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []);
      }
    }
  }

  /** What a cancelled transaction says: the counter and the head as they are. */
  private learn(pk: string, reasons: CancellationReason[]): void {
    this.conflicts++;
    if (reasons[0]?.Code === 'ConditionalCheckFailed') {
      const counterItem = reasons[0].Item;
      this.counter = counterItem ? (unmarshall(counterItem).position as number) : 0;
    } else if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
      this.counter = undefined;
    }
    if (reasons[1]?.Code === 'ConditionalCheckFailed') {
      const headItem = reasons[1].Item;
      this.heads.set(pk, seenHeadOf(headItem ? unmarshall(headItem) : undefined));
    }
  }

  private transaction(
    name: string,
    pk: string,
    seen: number,
    head: SeenHead,
    events: ReadonlyArray<{ type: string; data: unknown }>,
  ): { writes: TransactWriteItem[]; positions: number[]; incarnation: number | undefined } {
    const streamId = streamIdForName(name);
    const now = new Date().toISOString();
    const { version } = head;
    // A new stream's incarnation is the position of its first event (src/store/transaction.ts).
    const incarnation = version === 0 ? seen + 1 : head.incarnation;
    const stamp = incarnation === undefined ? {} : { incarnation };
    const writes: TransactWriteItem[] = [
      conditionalPutItem(
        this.table,
        { pk: counterPk(this.tenant), sk: counterSk, position: seen + events.length },
        seen === 0 ? null : { name: 'position', value: seen },
      ),
      conditionalPutItem(
        this.table,
        {
          pk,
          sk: headSk,
          streamId,
          category: null,
          name,
          versioned: false,
          version: version + events.length,
          createdAt: now,
          updatedAt: now,
          ...stamp,
        },
        version === 0 ? null : { name: 'version', value: version },
      ),
    ];
    writes.push(
      ...streamBodyWrites(
        {
          table: this.table,
          tenant: this.tenant,
          pk,
          streamId,
          name,
          seenVersion: version,
          incarnation,
          firstPosition: seen + 1,
          now,
        },
        events,
      ),
    );
    const positions = events.map((_, index) => seen + index + 1);
    return { writes, positions, incarnation };
  }
}
