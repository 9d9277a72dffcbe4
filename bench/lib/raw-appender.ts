/**
 * The baseline the append benchmarks compare with: raw @aws-sdk/client-dynamodb calls doing the
 * same durable work as an eventloom append — one TransactWriteItems per append with the same
 * items (the tenant counter conditioned on the position last seen, the stream head conditioned
 * on its version, and per event the stream item, the log entry and the id claim) — written as a
 * careful hand-rolled client would: it remembers the counter and versions it saw, and refreshes
 * them from the cancellation reasons (ALL_OLD) instead of reading again.
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
  eventIdClaimPk,
  eventIdClaimSk,
  eventSk,
  headSk,
  logPk,
  positionSk,
  streamListPk,
  streamListSk,
  streamPk,
} from '../../src/store/keys.js';
import { streamIdForName } from '../../src/store/stream-id.js';

export class RawAppender {
  private counter: number | undefined;
  private readonly versions = new Map<string, number>();
  conflicts = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly tenant: string,
  ) {}

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const output = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: marshall({ pk, sk }), ConsistentRead: true }),
    );
    return output.Item ? unmarshall(output.Item) : undefined;
  }

  /** Appends to the named stream (no category); returns the positions assigned. */
  async append(name: string, events: ReadonlyArray<{ type: string; data: unknown }>): Promise<number[]> {
    const stream = { id: streamIdForName(name), category: null };
    const pk = streamPk(this.tenant, stream);
    for (;;) {
      if (this.counter === undefined) {
        this.counter =
          ((await this.get(counterPk(this.tenant), counterSk))?.position as number | undefined) ?? 0;
      }
      let version = this.versions.get(pk);
      if (version === undefined) {
        version = ((await this.get(pk, headSk))?.version as number | undefined) ?? 0;
        this.versions.set(pk, version);
      }
      const seen = this.counter;
      const now = new Date().toISOString();
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: this.table,
            Item: marshall({ pk: counterPk(this.tenant), sk: counterSk, position: seen + events.length }),
            ConditionExpression: seen === 0 ? 'attribute_not_exists(pk)' : '#p = :seen',
            ...(seen === 0
              ? {}
              : {
                  ExpressionAttributeNames: { '#p': 'position' },
                  ExpressionAttributeValues: marshall({ ':seen': seen }),
                }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: marshall({
              pk,
              sk: headSk,
              streamId: stream.id,
              category: null,
              name,
              versioned: false,
              version: version + events.length,
              createdAt: now,
              updatedAt: now,
            }),
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : '#v = :v',
            ...(version === 0
              ? {}
              : {
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: marshall({ ':v': version }),
                }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ];
      if (version === 0) {
        items.push({
          Put: {
            TableName: this.table,
            Item: marshall({
              pk: streamListPk(this.tenant),
              sk: streamListSk(stream),
              streamId: stream.id,
              category: null,
              name,
            }),
          },
        });
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
          streamId: stream.id,
          category: null,
          streamName: name,
          version: eventVersion,
          position,
          recordedAt: now,
        };
        items.push({
          Put: { TableName: this.table, Item: marshall({ pk, sk: eventSk(eventVersion), ...item }) },
        });
        items.push({
          Put: {
            TableName: this.table,
            Item: marshall({ pk: logPk(this.tenant), sk: positionSk(position), ...item }),
          },
        });
        items.push({
          Put: {
            TableName: this.table,
            Item: marshall({
              pk: eventIdClaimPk(this.tenant, eventId),
              sk: eventIdClaimSk,
              streamPk: pk,
              version: eventVersion,
              appendFirstVersion: version + 1,
              appendSize: events.length,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      });
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        this.counter = Math.max(this.counter ?? 0, seen + events.length);
        this.versions.set(pk, version + events.length);
        return positions;
      } catch (error) {
        if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
        this.conflicts++;
        const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          const counterItem = reasons[0].Item;
          this.counter = counterItem ? (unmarshall(counterItem).position as number) : 0;
        } else if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
          this.counter = undefined;
        }
        if (reasons[1]?.Code === 'ConditionalCheckFailed') {
          const headItem = reasons[1].Item;
          this.versions.set(pk, headItem ? (unmarshall(headItem).version as number) : 0);
        }
      }
    }
  }
}
