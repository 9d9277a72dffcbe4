/**
 * Releasing event-id claims that no stream holds any more. A claim names its stream's head
 * (`streamPk`) and incarnation. Claims are written in one transaction with their head, and a
 * deletion of this version removes an incarnation's claims before its head; incarnations never
 * come back. So a claim read before a head that is missing or of another incarnation is either
 * gone already (a deletion finished meanwhile) or an orphan that nothing will ever remove: left
 * by a deletion of a gateway from before ids were unique per tenant (a rolling upgrade). Its
 * Delete is conditioned on exactly that stream and incarnation, so it never touches a claim
 * taken since, by this stream's next incarnation or by another stream.
 */
import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailed, isTransactionConflict, toStoreUnavailable } from './dynamo-errors.js';
import { claimHeldBy } from './head-conditions.js';
import { type EventIdClaimItem, toItem } from './items.js';

export async function releaseOrphanClaims(
  client: DynamoDBClient,
  table: string,
  claims: readonly EventIdClaimItem[],
): Promise<void> {
  await Promise.all(claims.map((claim) => release(client, table, claim)));
}

async function release(client: DynamoDBClient, table: string, claim: EventIdClaimItem): Promise<void> {
  try {
    await client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: toItem({ pk: claim.pk, sk: claim.sk }),
        ...claimHeldBy(claim.streamPk, claim.incarnation),
      }),
    );
  } catch (error) {
    // Gone already, taken since, or a transaction on it in flight: the retry reads it again.
    if (isConditionalCheckFailed(error) || isTransactionConflict(error)) return;
    throw toStoreUnavailable(error, 'DeleteItem');
  }
}
