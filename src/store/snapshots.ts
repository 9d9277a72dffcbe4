/**
 * Snapshots: items of their stream's partition (`SNAP#<version>`). Saving one is a transaction:
 * a condition check on the head (exists, not being deleted, `version >= v`) and the put; reading
 * the latest one is a single backward Query of one item, paid from the tenant's read budget.
 */
import { type DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { cancellationReasons, toStoreUnavailable } from './dynamo-errors.js';
import { InvalidInputError, StreamNotFoundError } from './errors.js';
import { headKey, headOf } from './heads.js';
import { fromItem, type SnapshotItem, toItem, toSnapshot } from './items.js';
import { snapshotSk, streamPk } from './keys.js';
import type { StoreLimits } from './limits.js';
import { checkType, isValidVersion, toJsonText } from './prepare.js';
import type { ReadGate } from './read-gate.js';
import type { ResolvedStream } from './stream-id.js';
import type { SaveSnapshotRequest, Snapshot } from './types.js';

export interface SnapshotWriter {
  client: DynamoDBClient;
  table: string;
  tenant: string;
  limits: StoreLimits;
}

/** The snapshot item of a checked request; InvalidInputError names the offending field. */
function snapshotItem(
  { tenant, limits }: SnapshotWriter,
  stream: ResolvedStream,
  request: SaveSnapshotRequest,
): SnapshotItem {
  if (!isValidVersion(request.version) || request.version < 1) {
    throw new InvalidInputError('A snapshot version is an integer from 1.', ['version']);
  }
  const type = checkType(request.type, limits, ['type']);
  const data = toJsonText(request.data, limits.maxJsonDepth, ['data']);
  if (Buffer.byteLength(data) > limits.maxSnapshotBytes) {
    throw new InvalidInputError(`Snapshot data holds at most ${limits.maxSnapshotBytes} bytes.`, ['data']);
  }
  return {
    pk: streamPk(tenant, stream),
    sk: snapshotSk(request.version),
    streamId: stream.id,
    category: stream.category,
    version: request.version,
    type,
    data,
    createdAt: new Date().toISOString(),
  };
}

export async function saveSnapshot(
  writer: SnapshotWriter,
  stream: ResolvedStream,
  request: SaveSnapshotRequest,
): Promise<Snapshot> {
  const { client, table } = writer;
  const item = snapshotItem(writer, stream, request);
  try {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: table,
              Key: headKey(item.pk),
              ConditionExpression:
                'attribute_exists(pk) AND #version >= :version AND attribute_not_exists(deleting)',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: toItem({ ':version': request.version }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          { Put: { TableName: table, Item: toItem(item) } },
        ],
      }),
    );
  } catch (error) {
    throw refusal(error, request.version);
  }
  return toSnapshot(item);
}

/** Why the transaction was refused: no stream, a version above the stream's, or DynamoDB. */
function refusal(error: unknown, version: number): Error {
  const reason = cancellationReasons(error)[0];
  if (reason?.Code !== 'ConditionalCheckFailed') return toStoreUnavailable(error, 'TransactWriteItems');
  const head = headOf(reason.Item);
  if (head === null || head.deleting) return new StreamNotFoundError();
  return new InvalidInputError(
    `A snapshot version lies from 1 to the stream's version, ${head.version}; ${version} does not.`,
    ['version'],
  );
}

/** The latest snapshot of the stream at `pk` whose version lies in from..to; null when none. */
export async function latestSnapshotIn(
  gate: ReadGate,
  pk: string,
  from: number,
  to: number,
): Promise<Snapshot | null> {
  if (from > to) return null;
  const page = await gate.query({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
    ExpressionAttributeValues: toItem({ ':pk': pk, ':low': snapshotSk(from), ':high': snapshotSk(to) }),
    ScanIndexForward: false,
    Limit: 1,
  });
  const item = page.Items?.[0];
  return item ? toSnapshot(fromItem<SnapshotItem>(item)) : null;
}
