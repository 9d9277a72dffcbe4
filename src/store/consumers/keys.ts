/**
 * Item keys of durable consumers, in the events table (the layout is in ../keys.ts' table and
 * ../README.md, "Consumers"). A tenant's definitions share one partition, so `list` is one
 * Query in name order; each consumer's parked events have a partition of their own, sorted by
 * position. The webhook registry is global (`G#`): the relay lists every tenant's webhook
 * consumers with one Query, and no tenant key (`T#…`) can name it.
 */
import { positionSk, tenantKeyPart } from '../keys.js';

export function definitionsPk(tenant: string): string {
  return `T#${tenantKeyPart(tenant)}#CONSUMERS`;
}

const definitionPrefix = 'C#';

export function definitionSk(name: string): string {
  return `${definitionPrefix}${name}`;
}

/** The least sort key of any definition: listings start above it. */
export const firstDefinitionSk = definitionPrefix;

export function parkedPk(tenant: string, name: string): string {
  return `T#${tenantKeyPart(tenant)}#CONSUMER#${name}`;
}

const parkedPrefix = 'P#';

export function parkedSk(position: number): string {
  return `${parkedPrefix}${positionSk(position)}`;
}

/** The least sort key of any parked record. */
export const firstParkedSk = parkedPrefix;

export const webhookRegistryPk = 'G#WEBHOOKS';

/** An encoded tenant holds no `#` and a name holds none either, so the pair cannot be forged. */
export function webhookRegistrySk(tenant: string, name: string): string {
  return `${tenantKeyPart(tenant)}#${name}`;
}
