/**
 * The conditions on a consumer's definition. Every write of a lease holder carries
 * `holderCondition`: the same incarnation (a consumer deleted and created again is another
 * one), the same owner and the same epoch (every acquisition grows it). A holder whose lease
 * was taken over, released, or whose consumer was deleted or re-created therefore writes
 * nothing, whatever its clock says: the epoch, not the expiry, decides.
 */
import type { Item } from '../items.js';
import { toItem } from '../items.js';
import type { ConsumerLease, HeldLease } from './types.js';

/** A piece of a DynamoDB expression with the placeholders it uses (values not yet marshalled). */
export interface Expression {
  readonly text: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

export const definitionExists: Expression = { text: 'attribute_exists(pk)', names: {}, values: {} };

export function sameIncarnation(incarnation: string): Expression {
  return {
    text: '#incarnation = :incarnation',
    names: { '#incarnation': 'incarnation' },
    values: { ':incarnation': incarnation },
  };
}

export function holderCondition(lease: HeldLease): Expression {
  return {
    text: '#incarnation = :incarnation AND #leaseOwner = :leaseOwner AND #leaseEpoch = :leaseEpoch',
    names: { '#incarnation': 'incarnation', '#leaseOwner': 'leaseOwner', '#leaseEpoch': 'leaseEpoch' },
    values: { ':incarnation': lease.incarnation, ':leaseOwner': lease.owner, ':leaseEpoch': lease.epoch },
  };
}

/** The lease is exactly as seen: nobody holds it (`seen` null), or the same owner, epoch and expiry. */
export function leaseAsSeen(seen: ConsumerLease | null): Expression {
  if (seen === null) {
    return {
      text: 'attribute_exists(pk) AND attribute_not_exists(#leaseOwner)',
      names: { '#leaseOwner': 'leaseOwner' },
      values: {},
    };
  }
  return {
    text: '#leaseOwner = :seenOwner AND #leaseEpoch = :seenEpoch AND #leaseExpiresAt = :seenExpiresAt',
    names: { '#leaseOwner': 'leaseOwner', '#leaseEpoch': 'leaseEpoch', '#leaseExpiresAt': 'leaseExpiresAt' },
    values: { ':seenOwner': seen.owner, ':seenEpoch': seen.epoch, ':seenExpiresAt': seen.expiresAt },
  };
}

export function both(left: Expression, right: Expression): Expression {
  return {
    text: `${left.text} AND ${right.text}`,
    names: { ...left.names, ...right.names },
    values: { ...left.values, ...right.values },
  };
}

export interface ConditionParts {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export interface UpdateParts extends ConditionParts {
  UpdateExpression: string;
}

/**
 * A condition (and an update) as a command's parameters. DynamoDB refuses empty placeholder
 * maps, so a map is left out when nothing uses it.
 */
export function expressionParts(condition: Expression): ConditionParts;
export function expressionParts(condition: Expression, update: Expression): UpdateParts;
export function expressionParts(condition: Expression, update?: Expression): ConditionParts {
  const names = { ...condition.names, ...update?.names };
  const values = toItem({ ...condition.values, ...update?.values });
  return {
    ConditionExpression: condition.text,
    ...(update ? { UpdateExpression: update.text } : {}),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}
