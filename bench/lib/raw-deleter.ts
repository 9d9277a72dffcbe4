/**
 * The baseline the deletion benchmark compares with: raw @aws-sdk/client-dynamodb calls doing
 * what a careful hand-written client would do to delete a stream with eventloom's keys and item
 * layout (src/store/keys.ts, src/store/README.md):
 *
 * 1. GetItem the head (consistent); a missing stream is deleted already;
 * 2. UpdateItem `SET deleting = true` conditioned on the version read and on not being marked
 *    (a failed condition: read again);
 * 3. Query the stream's partition (sk and position only, consistent), following LastEvaluatedKey;
 * 4. BatchWriteItem a tombstone over each event's log position, 25 a call, all of them before
 *    any item is deleted (so that an interrupted deletion can still find the positions);
 * 5. BatchWriteItem deletes of the stream's items and its listing entry, 25 a call;
 * 6. DeleteItem the head, conditioned on the mark.
 *
 * Steps 4 and 5 keep up to `parallelCalls` BatchWriteItem calls in flight, and retry unprocessed
 * items (with a short backoff), as a careful client would.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { headSk, logPk, positionSk, streamListPk, streamListSk, streamPk } from '../../src/store/keys.js';
import { streamIdForName } from '../../src/store/stream-id.js';

const batchSize = 25;

export class RawDeleter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly tenant: string,
    private readonly parallelCalls = 4,
  ) {}

  /** Deletes the named stream (no category); returns the number of events it held. */
  async deleteStream(name: string): Promise<number> {
    const stream = { id: streamIdForName(name), category: null };
    const pk = streamPk(this.tenant, stream);
    const headKey = marshall({ pk, sk: headSk });
    for (let attempt = 0; attempt < 20; attempt++) {
      const read = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: headKey, ConsistentRead: true }),
      );
      if (!read.Item) return 0;
      const head = unmarshall(read.Item) as { version: number; deleting?: boolean };
      if (!head.deleting) {
        try {
          await this.client.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: headKey,
              UpdateExpression: 'SET #deleting = :true',
              ConditionExpression: '#version = :version AND attribute_not_exists(#deleting)',
              ExpressionAttributeNames: { '#deleting': 'deleting', '#version': 'version' },
              ExpressionAttributeValues: marshall({ ':true': true, ':version': head.version }),
            }),
          );
        } catch (error) {
          if ((error as { name?: string }).name === 'ConditionalCheckFailedException') continue;
          throw error;
        }
      }
      const items: Array<{ sk: string; position?: number }> = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: marshall({ ':pk': pk }),
            ProjectionExpression: 'sk, #position',
            ExpressionAttributeNames: { '#position': 'position' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? [])
          items.push(unmarshall(item) as { sk: string; position?: number });
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      const events = items.filter((item) => item.sk.startsWith('E#') && item.position !== undefined);
      await this.batchWrite(
        events.map((event) => ({
          PutRequest: {
            Item: marshall({
              pk: logPk(this.tenant),
              sk: positionSk(event.position as number),
              position: event.position,
              streamId: stream.id,
              category: null,
              tombstone: true,
            }),
          },
        })),
      );
      const deletes: WriteRequest[] = items
        .filter((item) => item.sk !== headSk)
        .map((item) => ({ DeleteRequest: { Key: marshall({ pk, sk: item.sk }) } }));
      deletes.push({
        DeleteRequest: { Key: marshall({ pk: streamListPk(this.tenant), sk: streamListSk(stream) }) },
      });
      await this.batchWrite(deletes);
      try {
        await this.client.send(
          new DeleteItemCommand({
            TableName: this.table,
            Key: headKey,
            ConditionExpression: 'attribute_exists(#deleting)',
            ExpressionAttributeNames: { '#deleting': 'deleting' },
          }),
        );
      } catch (error) {
        // Another deletion removed the head first: the stream is gone either way.
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
      return events.length;
    }
    throw new Error('the stream kept changing during deletion');
  }

  /** All of `requests`, 25 a call, up to `parallelCalls` calls in flight. */
  private async batchWrite(requests: readonly WriteRequest[]): Promise<void> {
    const chunks: WriteRequest[][] = [];
    for (let start = 0; start < requests.length; start += batchSize) {
      chunks.push(requests.slice(start, start + batchSize));
    }
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        let pending = chunks[next++] ?? [];
        for (let round = 0; pending.length > 0; round++) {
          if (round > 12) throw new Error('DynamoDB kept writes unprocessed');
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(500, 10 * 2 ** round)));
          const output = await this.client.send(
            new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }),
          );
          pending = output.UnprocessedItems?.[this.table] ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelCalls, chunks.length) }, worker));
  }
}
