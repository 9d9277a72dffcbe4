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

export interface RawStreamAppend {
  name: string;
  events: ReadonlyArray<{ type: string; data: unknown }>;
}

/** One stream of a call as the transaction writes it. */
interface StreamPart {
  append: RawStreamAppend;
  pk: string;
  streamId: string;
  seen: SeenHead;
  /** The position of its first event. */
  firstPosition: number;
}

interface BuiltTransaction {
  writes: TransactWriteItem[];
  /** Per action, the index of the stream whose head it is (-1: not a head). */
  headOf: number[];
  heads: SeenHead[];
  lastPosition: number;
}

export class RawMultiAppender {
  private counter: number | undefined;
  private readonly heads = new Map<string, SeenHead>();
  /** TransactWriteItems sent. */
  transactions = 0;
  /** Transactions cancelled, for any reason (the counter, a head, a conflict). */
  cancelled = 0;
  /** Cancelled transactions in which a stream's head had moved: the client's version conflicts. */
  versionConflicts = 0;
  /** GetItem calls (the counter, after a transaction conflict). */
  reads = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly tenant: string,
  ) {}

  /** Appends to every named stream in one transaction (retried until it commits); returns the positions. */
  async appendToStreams(appends: readonly RawStreamAppend[]): Promise<number[]> {
    const pks = appends.map(({ name }) =>
      streamPk(this.tenant, { id: streamIdForName(name), category: null }),
    );
    for (;;) {
      this.counter ??= await this.readCounter();
      const seen = this.counter;
      const built = this.transaction(appends, pks, seen);
      this.transactions++;
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: built.writes }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
        this.learn(
          pks,
          built.headOf,
          (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [],
        );
        continue;
      }
      this.counter = Math.max(this.counter ?? 0, built.lastPosition);
      pks.forEach((pk, index) => {
        this.remember(pk, built.heads[index]!);
      });
      return Array.from({ length: built.lastPosition - seen }, (_, offset) => seen + offset + 1);
    }
  }

  private async readCounter(): Promise<number> {
    this.reads++;
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ pk: counterPk(this.tenant), sk: counterSk }),
        ConsistentRead: true,
      }),
    );
    return ((output.Item ? unmarshall(output.Item) : undefined)?.position as number | undefined) ?? 0;
  }

  /** Heads only move forward: a call answered late does not undo what a later one taught. */
  private remember(pk: string, head: SeenHead): void {
    const known = this.heads.get(pk);
    if (known === undefined || head.version >= known.version) this.heads.set(pk, head);
  }

  /** What a cancelled transaction says: the counter and the heads as they are. */
  private learn(
    pks: readonly string[],
    headOf: readonly number[],
    reasons: readonly CancellationReason[],
  ): void {
    this.cancelled++;
    if (reasons[0]?.Code === 'ConditionalCheckFailed') {
      const counterItem = reasons[0].Item;
      this.counter = counterItem ? (unmarshall(counterItem).position as number) : 0;
    } else if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
      this.counter = undefined;
    }
    let headMoved = false;
    reasons.forEach((reason, action) => {
      const stream = headOf[action] ?? -1;
      if (stream < 0 || reason.Code !== 'ConditionalCheckFailed') return;
      headMoved = true;
      // Set, not remembered: the head as it is now, even below what a stale answer taught.
      this.heads.set(pks[stream]!, seenHeadOf(reason.Item ? unmarshall(reason.Item) : undefined));
    });
    if (headMoved) this.versionConflicts++;
  }

  private transaction(
    appends: readonly RawStreamAppend[],
    pks: readonly string[],
    seen: number,
  ): BuiltTransaction {
    const writes: TransactWriteItem[] = [];
    const headOf: number[] = [-1];
    const heads: SeenHead[] = [];
    let position = seen;
    appends.forEach((append, index) => {
      const part: StreamPart = {
        append,
        pk: pks[index]!,
        streamId: streamIdForName(append.name),
        seen: this.heads.get(pks[index]!) ?? absent,
        firstPosition: position + 1,
      };
      const streamWrites = this.streamWrites(part);
      headOf.push(index, ...streamWrites.slice(1).map(() => -1));
      writes.push(...streamWrites);
      heads.push({ version: part.seen.version + append.events.length, incarnation: incarnationOf(part) });
      position += append.events.length;
    });
    const counter = conditionalPutItem(
      this.table,
      { pk: counterPk(this.tenant), sk: counterSk, position },
      seen === 0 ? null : { name: 'position', value: seen },
    );
    return { writes: [counter, ...writes], headOf, heads, lastPosition: position };
  }

  /** One stream's writes: its head first, then its listing (new stream) and per event three items. */
  private streamWrites(part: StreamPart): TransactWriteItem[] {
    const { append, pk, streamId, seen } = part;
    const now = new Date().toISOString();
    const incarnation = incarnationOf(part);
    const stamp = incarnation === undefined ? {} : { incarnation };
    const identity = { streamId, category: null, name: append.name };
    const head = {
      pk,
      sk: headSk,
      ...identity,
      versioned: true,
      version: seen.version + append.events.length,
      createdAt: now,
      updatedAt: now,
      ...stamp,
    };
    const headWrite = conditionalPutItem(
      this.table,
      head,
      seen.version === 0 ? null : { name: 'version', value: seen.version },
    );
    const target = {
      table: this.table,
      tenant: this.tenant,
      pk,
      streamId,
      name: append.name,
      seenVersion: seen.version,
      incarnation,
      firstPosition: part.firstPosition,
      now,
    };
    return [headWrite, ...streamBodyWrites(target, append.events)];
  }
}

/** A new stream's incarnation is the position of its first event (src/store/transaction.ts). */
function incarnationOf({ seen, firstPosition }: StreamPart): number | undefined {
  return seen.version === 0 ? firstPosition : seen.incarnation;
}
