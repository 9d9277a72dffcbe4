/**
 * A tenant's consumer definitions: create, read, list, reset, delete. A webhook consumer's
 * registry item is written and deleted in the same transaction as its definition, so the relay
 * never finds one without the other. Deletion removes the definition first (the consumer is
 * gone at once, and no holder can write under it any more), then its incarnation's parked
 * records, each under the condition that it is still that incarnation's: a consumer created
 * again under the name meanwhile keeps its own, even one parked at a position just read.
 */
import { randomUUID } from 'node:crypto';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { directQuery, getItem, queryAll, queryPages } from '../dynamo-ops.js';
import { ConsumerExistsError, StoreUnavailableError } from '../errors.js';
import { fromItem, type Item, toItem } from '../items.js';
import type { Page } from '../types.js';
import { definitionExists, expressionParts, sameIncarnation } from './conditions.js';
import { type DefinitionItem, newDefinitionItem, registryItem, stateOf, toConsumerState } from './items.js';
import {
  definitionSk,
  definitionsPk,
  firstDefinitionSk,
  parkedPk,
  webhookRegistryPk,
  webhookRegistrySk,
} from './keys.js';
import type { ConsumerState, CreateConsumerRequest } from './types.js';
import { chunks, conditionalDelete, conditionalUpdate, type TenantTable, transact } from './writes.js';

/** Reads of a definition that changed under a deletion (deleted and re-created) before giving up. */
const maxDeleteAttempts = 5;
/** Parked records a deletion removes at once (one conditional DeleteItem each). */
const parkedDeletesAtOnce = 25;

export function definitionKey(tenant: string, name: string): Item {
  return toItem({ pk: definitionsPk(tenant), sk: definitionSk(name) });
}

export async function readDefinition(ctx: TenantTable, name: string): Promise<DefinitionItem | null> {
  const raw = await getItem(ctx.client, ctx.table, definitionKey(ctx.tenant, name));
  return raw ? fromItem<DefinitionItem>(raw) : null;
}

export async function createConsumer(
  ctx: TenantTable,
  request: CreateConsumerRequest,
  now: Date,
): Promise<ConsumerState> {
  const item = newDefinitionItem(ctx.tenant, request, randomUUID(), now);
  const actions: TransactWriteItem[] = [
    { Put: { TableName: ctx.table, Item: toItem(item), ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
  if (item.webhook !== null) {
    actions.push({
      Put: { TableName: ctx.table, Item: toItem(registryItem(ctx.tenant, item.name, item.incarnation)) },
    });
  }
  if ((await transact(ctx, actions)) !== 'committed') throw new ConsumerExistsError();
  return stateOf(item);
}

/** One page of definitions by name (ascending), after the name `after`. */
export async function listConsumers(
  ctx: TenantTable,
  first: number,
  after: string | null,
): Promise<Page<ConsumerState>> {
  const found: ConsumerState[] = [];
  // One more than the page, to know whether another page follows.
  const wanted = first + 1;
  const pages = queryPages(
    directQuery(ctx.client, ctx.table),
    {
      KeyConditionExpression: 'pk = :pk AND sk > :after',
      ExpressionAttributeValues: toItem({
        ':pk': definitionsPk(ctx.tenant),
        ':after': after === null ? firstDefinitionSk : definitionSk(after),
      }),
    },
    { limit: () => wanted - found.length },
  );
  for await (const page of pages) {
    found.push(...page.map(toConsumerState));
    if (found.length >= wanted) break;
  }
  const shown = found.slice(0, first);
  return {
    edges: shown.map((consumer) => ({ cursor: consumer.name, node: consumer })),
    hasNextPage: found.length > first,
    hasPreviousPage: after !== null,
  };
}

/** Moves the checkpoint and grows the generation (a holder reloads); null when missing. */
export async function resetConsumer(
  ctx: TenantTable,
  name: string,
  after: number,
): Promise<ConsumerState | null> {
  const written = await conditionalUpdate(ctx, {
    Key: definitionKey(ctx.tenant, name),
    ...expressionParts(definitionExists, {
      text: 'SET #checkpoint = :checkpoint, #generation = #generation + :one',
      names: { '#checkpoint': 'checkpoint', '#generation': 'generation' },
      values: { ':checkpoint': after, ':one': 1 },
    }),
  });
  return written ? toConsumerState(written) : null;
}

export async function deleteConsumer(ctx: TenantTable, name: string): Promise<boolean> {
  for (let attempt = 0; attempt < maxDeleteAttempts; attempt++) {
    const definition = await readDefinition(ctx, name);
    if (definition === null) return false;
    // Conditioned on the incarnation read: a consumer re-created meanwhile is read again.
    const actions: TransactWriteItem[] = [
      {
        Delete: {
          TableName: ctx.table,
          Key: definitionKey(ctx.tenant, name),
          ...expressionParts(sameIncarnation(definition.incarnation)),
        },
      },
    ];
    if (definition.webhook !== null) {
      const key = toItem({ pk: webhookRegistryPk, sk: webhookRegistrySk(ctx.tenant, name) });
      actions.push({ Delete: { TableName: ctx.table, Key: key } });
    }
    if ((await transact(ctx, actions)) === 'committed') {
      await removeParked(ctx, name, definition.incarnation);
      return true;
    }
  }
  throw new StoreUnavailableError('The consumer kept changing during its deletion. Retry later.');
}

/**
 * The parked records of one incarnation, page by page. Its definition is gone, so no holder can
 * park anything more under it: the Query sees all of them. A consumer created again under the
 * name may park at the same positions (the same key) at any moment, even between the Query and
 * the removal: so each record is deleted on condition that it is still this incarnation's
 * (DeleteItem; BatchWriteItem takes no condition), and the new consumer's records stay.
 */
async function removeParked(ctx: TenantTable, name: string, incarnation: string): Promise<void> {
  const pages = queryAll(ctx.client, ctx.table, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: toItem({ ':pk': parkedPk(ctx.tenant, name) }),
    ProjectionExpression: 'pk, sk, incarnation',
  });
  const stillThisIncarnation = expressionParts(sameIncarnation(incarnation));
  for await (const page of pages) {
    const keys = page
      .map((raw) => fromItem<{ pk: string; sk: string; incarnation: string }>(raw))
      .filter((item) => item.incarnation === incarnation)
      .map((item) => toItem({ pk: item.pk, sk: item.sk }));
    for (const slice of chunks(keys, parkedDeletesAtOnce)) {
      await Promise.all(slice.map((key) => conditionalDelete(ctx, { Key: key, ...stillThisIncarnation })));
    }
  }
}
