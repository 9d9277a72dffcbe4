/**
 * The baselines the append benchmarks compare with: raw @aws-sdk/client-dynamodb calls doing the
 * same durable work as an eventloom append — one TransactWriteItems per append with the same
 * items as src/store/transaction.ts (the tenant counter conditioned on the position last seen,
 * the stream head conditioned on its version, the listing of a new stream, and per event the
 * stream item, the log entry and the id claim) — written as a careful hand-rolled client would:
 * it remembers the counter and the heads it saw, and refreshes them from the cancellation
 * reasons (ALL_OLD) instead of reading again.
 *
 * Two such clients differ in what they do with a stream they have not seen yet:
 * - `readUnseenHeads: true` (the first baseline) reads its head (a consistent GetItem) before
 *   the transaction;
 * - `readUnseenHeads: false` writes it as a new stream (head conditioned on not existing) and
 *   learns an existing one from the cancelled transaction, as the gateway's committer does.
 */
import { randomUUID } from 'node:crypto';
import {
  type CancellationReason,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  counterPk,
  counterSk,
  eventSk,
  headSk,
  logPk,
  positionSk,
  streamListPk,
  streamListSk,
  streamPk,
} from '../../src/store/keys.js';
import { streamIdForName } from '../../src/store/stream-id.js';
import { absent, claimKey, conditionalPutItem, putItem, type SeenHead, seenHeadOf } from './raw-items.js';

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
    if (version === 0) {
      writes.push(
        putItem(this.table, {
          pk: streamListPk(this.tenant),
          sk: streamListSk({ id: streamId, category: null }),
          streamId,
          category: null,
          name,
        }),
      );
    }
    const positions: number[] = [];
    events.forEach((event, index) => {
      const position = seen + index + 1;
      positions.push(position);
      const eventVersion = version + index + 1;
      const eventId = randomUUID();
      const item = {
        eventId,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: '{}',
        streamId,
        category: null,
        streamName: name,
        version: eventVersion,
        position,
        recordedAt: now,
        ...stamp,
      };
      writes.push(putItem(this.table, { pk, sk: eventSk(eventVersion), ...item }));
      writes.push(putItem(this.table, { pk: logPk(this.tenant), sk: positionSk(position), ...item }));
      writes.push(
        conditionalPutItem(
          this.table,
          {
            ...claimKey(this.tenant, pk, eventId),
            version: eventVersion,
            appendFirstVersion: version + 1,
            appendSize: events.length,
            ...stamp,
          },
          null,
        ),
      );
    });
    return { writes, positions, incarnation };
  }
}
