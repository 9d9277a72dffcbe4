/**
 * The conditions every write on a stream's head carries. A head is one incarnation of a
 * stream: deleting a stream and creating it again gives a new head with a new `incarnation`
 * (the position of its first event). Whatever a writer decided from a head it read or cached
 * (its version, whether it is versioned, whether it is being deleted), the write is
 * conditioned on exactly that, incarnation included, so a stale belief costs a retry and
 * never a write into another incarnation. See README.md, "Deletion".
 */
import type { HeadItem, Item } from './items.js';
import { toItem } from './items.js';

export interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

type Known = Pick<HeadItem, 'version' | 'versioned' | 'incarnation'>;

function sameIncarnation(head: Pick<HeadItem, 'incarnation'>): { expression: string; values: object } {
  // Heads written before incarnations were recorded have none; a head created since always has one.
  return head.incarnation === undefined
    ? { expression: 'attribute_not_exists(#incarnation)', values: {} }
    : { expression: '#incarnation = :incarnation', values: { ':incarnation': head.incarnation } };
}

function condition(parts: string[], names: Record<string, string>, values: object): Condition {
  const marshalled = toItem(values);
  return {
    ConditionExpression: parts.join(' AND '),
    ExpressionAttributeNames: names,
    ...(Object.keys(marshalled).length > 0 ? { ExpressionAttributeValues: marshalled } : {}),
  };
}

/** An append onto `head` as cached: same incarnation, same kind, same version, not being deleted. */
export function appendCondition(head: Known): Condition {
  const incarnation = sameIncarnation(head);
  return condition(
    [
      '#version = :version',
      '#versioned = :versioned',
      'attribute_not_exists(#deleting)',
      incarnation.expression,
    ],
    {
      '#version': 'version',
      '#versioned': 'versioned',
      '#deleting': 'deleting',
      '#incarnation': 'incarnation',
    },
    { ':version': head.version, ':versioned': head.versioned, ...incarnation.values },
  );
}

/** Marking `head` for deletion: still that incarnation at that version, not marked yet. */
export function markCondition(head: Known): Condition {
  const incarnation = sameIncarnation(head);
  return condition(
    ['#version = :version', 'attribute_not_exists(#deleting)', incarnation.expression],
    { '#version': 'version', '#deleting': 'deleting', '#incarnation': 'incarnation' },
    { ':version': head.version, ...incarnation.values },
  );
}

/**
 * Every write of a deletion after marking: the head is still this incarnation, marked. Once
 * the head is gone this never holds again (a new head has another incarnation), so a late or
 * duplicate deletion changes nothing of a stream created since.
 */
export function deletionCondition(head: Pick<HeadItem, 'incarnation'>): Condition {
  const incarnation = sameIncarnation(head);
  return condition(
    ['attribute_exists(#deleting)', incarnation.expression],
    { '#deleting': 'deleting', '#incarnation': 'incarnation' },
    incarnation.values,
  );
}

/**
 * An event-id claim still held by the stream at `streamPk` in `incarnation`: the condition under
 * which a deletion frees it, or an orphan is released (orphan-claims.ts). Claims of heads written
 * before incarnations were recorded have none.
 */
export function claimHeldBy(streamPk: string, incarnation: number | undefined): Condition {
  const held = sameIncarnation(incarnation === undefined ? {} : { incarnation });
  return condition(
    ['#streamPk = :streamPk', held.expression],
    { '#streamPk': 'streamPk', '#incarnation': 'incarnation' },
    { ':streamPk': streamPk, ...held.values },
  );
}
