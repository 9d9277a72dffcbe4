/**
 * Item keys of the single events table (`<prefix>events`, pk S + sk S). Every partition key
 * starts with the tenant, so no key a tenant can reach names another tenant's data.
 * Tenants and categories are URI-encoded so that a `#` in them cannot forge another key.
 * An event id's claim has a partition of its own per tenant, so that an id is stored at most
 * once in the tenant whichever stream it goes to (event ids are normalized UUIDs). Tables
 * written before ids were unique per tenant also hold claims in the stream's partition
 * (sk `ID#<eventId>`); nothing reads them any more, and deletion removes them with the stream.
 *
 * | item            | pk                               | sk                  |
 * | --------------- | -------------------------------- | ------------------- |
 * | tenant counter  | T#<tenant>#COUNTER               | COUNTER             |
 * | log entry       | T#<tenant>#LOG#<shard>           | <position, 16 dig.> |
 * | stream head     | T#<tenant>#S#<cat>#<streamId>    | HEAD                |
 * | stream event    | same                             | E#<version, 10 dig.>|
 * | event-id claim  | T#<tenant>#ID#<eventId>          | CLAIM               |
 * | snapshot        | same                             | SNAP#<version>      |
 * | stream listing  | T#<tenant>#STREAMS               | <cat>#<streamId>    |
 * | consumer        | T#<tenant>#CONSUMERS             | C#<name>            |
 * | parked event    | T#<tenant>#CONSUMER#<name>       | P#<position, 16 d.> |
 * | webhook registry| G#WEBHOOKS                       | <tenant>#<name>     |
 *
 * Consumers (consumers/keys.ts): names are [A-Za-z0-9._-]{1,128}, so they need no encoding and
 * hold no `#`. The webhook registry is the one partition no tenant owns: it starts with `G#`,
 * every tenant's with `T#`, so no tenant key reaches it; only the relay reads it (all tenants).
 */
import type { StreamKey } from './types.js';

export const headSk = 'HEAD';
export const counterSk = 'COUNTER';
/** The log lives in one shard today; the key keeps room for spreading a tenant later. */
export const logShard = 0;

const positionDigits = 16; // 2^53 - 1 has 16 digits
const versionDigits = 10;
/** The greatest version a key can hold (10 digits); reads clamp their bounds to it. */
export const maxVersion = 10 ** versionDigits - 1;

function enc(value: string): string {
  return encodeURIComponent(value);
}

/** A tenant as every key holds it (URI-encoded: it holds no `#`). */
export function tenantKeyPart(tenant: string): string {
  return enc(tenant);
}

/** `~` for "no category" cannot collide with an encoded category, which is prefixed by `c`. */
function categoryPart(category: string | null): string {
  return category === null ? '~' : `c${enc(category)}`;
}

export function counterPk(tenant: string): string {
  return `T#${enc(tenant)}#COUNTER`;
}

export function logPk(tenant: string, shard = logShard): string {
  return `T#${enc(tenant)}#LOG#${shard}`;
}

export function positionSk(position: number): string {
  return String(position).padStart(positionDigits, '0');
}

export function streamPk(tenant: string, stream: StreamKey): string {
  return `T#${enc(tenant)}#S#${categoryPart(stream.category)}#${stream.id}`;
}

export function eventSk(version: number): string {
  return `E#${String(version).padStart(versionDigits, '0')}`;
}

/** The claim of an event id: one per tenant, whichever stream holds the event. */
export function eventIdClaimPk(tenant: string, eventId: string): string {
  return `T#${enc(tenant)}#ID#${eventId}`;
}

export const eventIdClaimSk = 'CLAIM';

/** Where tables written before ids were unique per tenant kept a claim: in the stream's partition. */
export function legacyEventIdSk(eventId: string): string {
  return `ID#${eventId}`;
}

export function snapshotSk(version: number): string {
  return `SNAP#${String(version).padStart(versionDigits, '0')}`;
}

export function streamListPk(tenant: string): string {
  return `T#${enc(tenant)}#STREAMS`;
}

export function streamListSk(stream: StreamKey): string {
  return `${categoryPart(stream.category)}#${stream.id}`;
}

/** The sort-key prefix of one category's streams in the stream listing. */
export function streamListCategoryPrefix(category: string | null): string {
  return `${categoryPart(category)}#`;
}
