/**
 * The lease on a consumer: one conditional UpdateItem per step, on the definition item itself,
 * so DynamoDB serializes takeovers, renewals and a holder's writes of one consumer. Taking the
 * lease is a compare-and-swap on the lease as the taker read it, and grows `leaseEpoch`; every
 * later write of a holder is conditioned on the epoch it got (conditions.ts), so a holder that
 * lost the lease, even one whose clock still thinks it holds it, changes nothing. No expiry is
 * compared with a clock here: `now` only sets the new expiry.
 */
import type { Item } from '../items.js';
import { both, expressionParts, holderCondition, leaseAsSeen } from './conditions.js';
import { definitionKey } from './definitions.js';
import { heldLeaseOf, toConsumerState } from './items.js';
import type { ConsumerLease, ConsumerState, HeldLease } from './types.js';
import { conditionalUpdate, type TenantTable } from './writes.js';

export interface LeaseGrant {
  lease: HeldLease;
  consumer: ConsumerState;
}

function grantOf(written: Item | null): LeaseGrant | null {
  if (written === null) return null;
  const consumer = toConsumerState(written);
  const lease = heldLeaseOf(consumer);
  return lease ? { lease, consumer } : null;
}

/**
 * Takes the lease if it is exactly as `seen` (see TenantConsumerStore.takeLease): the owner, a
 * new expiry and epoch + 1. `now` only sets the expiry: no clock is compared.
 */
export async function takeLease(
  ctx: TenantTable,
  name: string,
  owner: string,
  ttlMs: number,
  seen: ConsumerLease | null,
  now: number,
): Promise<LeaseGrant | null> {
  const written = await conditionalUpdate(ctx, {
    Key: definitionKey(ctx.tenant, name),
    ...expressionParts(leaseAsSeen(seen), {
      // `leaseEpoch` exists from creation; if_not_exists only guards items written without it.
      text: 'SET #leaseOwner = :owner, #leaseExpiresAt = :expiresAt, #leaseEpoch = if_not_exists(#leaseEpoch, :zero) + :one',
      names: {
        '#leaseOwner': 'leaseOwner',
        '#leaseExpiresAt': 'leaseExpiresAt',
        '#leaseEpoch': 'leaseEpoch',
      },
      values: { ':owner': owner, ':expiresAt': now + ttlMs, ':zero': 0, ':one': 1 },
    }),
  });
  return grantOf(written);
}

/**
 * A renewal's expiry, always after the held one: a waiter takes the lease only after it saw it
 * unchanged for a whole lease period (takeLease), so a renewal must change it even when the
 * holder's clock repeats a millisecond or steps back.
 */
export function renewedExpiry(lease: HeldLease, ttlMs: number, now: number): number {
  return Math.max(now + ttlMs, lease.expiresAt + 1);
}

export async function renewLease(
  ctx: TenantTable,
  lease: HeldLease,
  ttlMs: number,
  now: number,
): Promise<LeaseGrant | null> {
  const written = await conditionalUpdate(ctx, {
    Key: definitionKey(ctx.tenant, lease.name),
    ...expressionParts(holderCondition(lease), {
      text: 'SET #leaseExpiresAt = :expiresAt',
      names: { '#leaseExpiresAt': 'leaseExpiresAt' },
      values: { ':expiresAt': renewedExpiry(lease, ttlMs, now) },
    }),
  });
  return grantOf(written);
}

/** Removes the owner (and expiry) but keeps the epoch, so the next acquisition still grows it. */
export async function releaseLease(ctx: TenantTable, lease: HeldLease): Promise<void> {
  await conditionalUpdate(ctx, {
    Key: definitionKey(ctx.tenant, lease.name),
    ...expressionParts(holderCondition(lease), {
      text: 'REMOVE #leaseOwner, #leaseExpiresAt',
      names: { '#leaseOwner': 'leaseOwner', '#leaseExpiresAt': 'leaseExpiresAt' },
      values: {},
    }),
  });
}

/** The holder's checkpoint, refused when the lease was lost or a reset or replay moved the generation. */
export async function saveCheckpoint(
  ctx: TenantTable,
  lease: HeldLease,
  generation: number,
  checkpoint: number,
): Promise<boolean> {
  const written = await conditionalUpdate(ctx, {
    Key: definitionKey(ctx.tenant, lease.name),
    ...expressionParts(
      both(holderCondition(lease), {
        text: '#generation = :generation',
        names: { '#generation': 'generation' },
        values: { ':generation': generation },
      }),
      {
        text: 'SET #checkpoint = :checkpoint',
        names: { '#checkpoint': 'checkpoint' },
        values: { ':checkpoint': checkpoint },
      },
    ),
  });
  return written !== null;
}
