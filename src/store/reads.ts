/**
 * A tenant's reads: strongly consistent Queries, GetItems and BatchGetItems, each DynamoDB call
 * paid through the tenant's read gate (`read-gate.ts`); Queries follow LastEvaluatedKey page by
 * page and stop as soon as the read has what it needs; no Scan.
 */
import { decodeNumberCursor, decodeStringCursor, encodeCursor } from './cursor.js';
import { InvalidInputError } from './errors.js';
import { compileEventFilter } from './filter.js';
import { readCounter, readHead, readHeads } from './heads.js';
import {
  type EventItem,
  fromItem,
  type HeadItem,
  type Item,
  type ListingItem,
  type TombstoneItem,
  toItem,
  toRecordedEvent,
  toStreamInfo,
} from './items.js';
import {
  eventSk,
  logPk,
  maxVersion,
  positionSk,
  streamListCategoryPrefix,
  streamListPk,
  streamPk,
} from './keys.js';
import { maxLogEntriesExaminedPerRead, type StoreLimits } from './limits.js';
import type { ReadContext } from './read-gate.js';
import { latestSnapshotIn } from './snapshots.js';
import { checkCategory } from './stream-id.js';
import type {
  Edge,
  ListStreamsOptions,
  LogPage,
  Page,
  ReadLogOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamInfo,
  StreamKey,
} from './types.js';

function isGiven<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

export function pageSize(value: number | null | undefined, name: string, limits: StoreLimits): number {
  if (!isGiven(value)) return limits.defaultPageSize;
  if (!Number.isSafeInteger(value) || value < 0 || value > limits.maxPageSize) {
    throw new InvalidInputError(`${name} is an integer from 0 to ${limits.maxPageSize}.`, [name]);
  }
  return value;
}

function streamInfoOf(head: HeadItem | null): StreamInfo | null {
  // A stream being deleted is no stream to its readers.
  return head && !head.deleting ? toStreamInfo(head) : null;
}

export async function getStream(
  { tenant, gate }: ReadContext,
  stream: StreamKey,
): Promise<StreamInfo | null> {
  const pk = streamPk(tenant, stream);
  return streamInfoOf(await gate.send('GetItem', () => readHead(gate.client, gate.table, pk)));
}

export async function getStreams(
  { tenant, gate }: ReadContext,
  keys: readonly StreamKey[],
): Promise<(StreamInfo | null)[]> {
  const pks = keys.map((key) => streamPk(tenant, key));
  const { heads } = await gate.send('BatchGetItem', () => readHeads(gate.client, gate.table, pks));
  return pks.map((pk) => streamInfoOf(heads.get(pk) ?? null));
}

export function headPosition({ tenant, gate }: ReadContext): Promise<number> {
  return gate.send('GetItem', () => readCounter(gate.client, gate.table, tenant));
}

export async function listStreams(
  ctx: ReadContext,
  options: ListStreamsOptions = {},
): Promise<Page<StreamInfo>> {
  const first = pageSize(options.first, 'first', ctx.limits);
  const after = options.after ? decodeStringCursor(options.after, 's', ['after']) : undefined;
  // The same rule as for appends: a category that no stream can have is an input error.
  if (isGiven(options.category)) checkCategory(options.category, ctx.limits, []);
  const prefix = options.category === undefined ? undefined : streamListCategoryPrefix(options.category);
  const restriction = options.restriction ?? null;
  // A restriction skips the listings of streams it does not allow before any head is read.
  const allowed = restriction
    ? (listing: ListingItem) =>
        restriction.allows({ id: listing.streamId, category: listing.category ?? null })
    : null;
  const listings = await readListings(ctx, first + 1, prefix, after, allowed);
  const shown = listings.slice(0, first);
  const infos = await getStreams(
    ctx,
    shown.map((listing) => ({ id: listing.streamId, category: listing.category ?? null })),
  );
  const edges: Edge<StreamInfo>[] = [];
  shown.forEach((listing, index) => {
    const info = infos[index];
    // A stream being deleted keeps its listing until the deletion finishes: skip it.
    if (info) edges.push({ cursor: encodeCursor('s', listing.sk), node: info });
  });
  return { edges, hasNextPage: listings.length > first, hasPreviousPage: after !== undefined };
}

/** Up to `wanted` listings after the listing key `after`, of the category `prefix` names, that `allowed` keeps. */
export async function readListings(
  { tenant, gate }: ReadContext,
  wanted: number,
  prefix: string | undefined,
  after: string | undefined,
  allowed: ((listing: ListingItem) => boolean) | null,
): Promise<ListingItem[]> {
  const listings: ListingItem[] = [];
  const pages = gate.pages(
    {
      KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
      ExpressionAttributeValues: toItem({
        ':pk': streamListPk(tenant),
        ...(prefix ? { ':prefix': prefix } : {}),
      }),
    },
    {
      startKey: after ? toItem({ pk: streamListPk(tenant), sk: after }) : undefined,
      // Skipping listings, ask for pages of at least 100: few Queries, each still costs one read.
      limit: () => (allowed ? Math.max(wanted - listings.length, 100) : wanted - listings.length),
    },
  );
  for await (const page of pages) {
    for (const item of page) {
      const listing = fromItem<ListingItem>(item);
      if (allowed === null || allowed(listing)) listings.push(listing);
    }
    if (listings.length >= wanted) break;
  }
  return listings;
}

/** A version bound as given: an integer from 0, clamped to the greatest version; undefined when not given. */
function versionBound(value: number | null | undefined, name: string): number | undefined {
  if (!isGiven(value)) return undefined;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidInputError(`${name} is an integer from 0.`, [name]);
  return Math.min(value, maxVersion);
}

/** The versions from..to narrowed to those after the `after` cursor and before the `before` one. */
function cursorRange(options: ReadStreamOptions, from: number, to: number): { low: number; high: number } {
  let low = from;
  let high = to;
  if (options.after) low = Math.max(low, decodeNumberCursor(options.after, 'v', ['after']) + 1);
  if (options.before) high = Math.min(high, decodeNumberCursor(options.before, 'v', ['before']) - 1);
  return { low, high };
}

export async function readStream(
  ctx: ReadContext,
  stream: StreamKey,
  options: ReadStreamOptions = {},
): Promise<Page<RecordedEvent>> {
  const pk = streamPk(ctx.tenant, stream);
  let from = Math.max(1, versionBound(options.fromVersion, 'fromVersion') ?? 1);
  const to = versionBound(options.toVersion, 'toVersion') ?? maxVersion;
  if (isGiven(options.first) && isGiven(options.last)) {
    throw new InvalidInputError('Give first or last, not both.', ['last']);
  }
  if (options.sinceSnapshot) {
    const snapshot = await latestSnapshotIn(ctx.gate, pk, from, to);
    if (snapshot) from = snapshot.version + 1;
  }
  const backward = isGiven(options.last);
  const size = pageSize(backward ? options.last : options.first, backward ? 'last' : 'first', ctx.limits);
  const { low, high } = cursorRange(options, from, to);
  if (low > high) return { edges: [], hasNextPage: false, hasPreviousPage: false };
  const items = await readVersions(ctx, pk, { low, high, backward }, size + 1);
  const more = items.length > size;
  const shown = items.slice(0, size);
  if (backward) shown.reverse();
  const edges = shown.map((item) => ({
    cursor: encodeCursor('v', item.version),
    node: toRecordedEvent(item),
  }));
  if (backward) return { edges, hasPreviousPage: more, hasNextPage: isGiven(options.before) };
  const firstShown = shown[0]?.version ?? low;
  return { edges, hasNextPage: more, hasPreviousPage: isGiven(options.after) && firstShown > from };
}

/** Up to `wanted` events of the stream at `pk` with versions low..high, in the direction asked. */
async function readVersions(
  { gate }: ReadContext,
  pk: string,
  range: { low: number; high: number; backward: boolean },
  wanted: number,
): Promise<EventItem[]> {
  const items: EventItem[] = [];
  const pages = gate.pages(
    {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
      ExpressionAttributeValues: toItem({
        ':pk': pk,
        ':low': eventSk(range.low),
        ':high': eventSk(range.high),
      }),
      ScanIndexForward: !range.backward,
    },
    { limit: () => wanted - items.length },
  );
  for await (const page of pages) {
    for (const item of page) items.push(fromItem<EventItem>(item));
    if (items.length >= wanted) break;
  }
  return items;
}

export async function readLog(ctx: ReadContext, options: ReadLogOptions = {}): Promise<LogPage> {
  const after = options.after ?? 0;
  if (!Number.isSafeInteger(after) || after < 0)
    throw new InvalidInputError('after is a position from 0.', ['after']);
  const first = pageSize(options.first, 'first', ctx.limits);
  const log = new LogReader(
    after,
    first,
    compileEventFilter(options.filter ?? null, options.restriction ?? null),
  );
  const pages = ctx.gate.pages({
    KeyConditionExpression: 'pk = :pk AND sk > :after',
    ExpressionAttributeValues: toItem({ ':pk': logPk(ctx.tenant), ':after': positionSk(after) }),
    Limit: Math.min(1000, Math.max(first + 1, 100)),
  });
  for await (const page of pages) {
    if (!log.take(page)) break;
    if (options.signal?.aborted) {
      log.hasNextPage = true;
      break;
    }
  }
  return {
    edges: log.edges,
    hasNextPage: log.hasNextPage,
    hasPreviousPage: after > 0,
    lastPosition: log.lastPosition,
  };
}

/** Walks the log after a position, entry by entry, and says when the read must stop. */
class LogReader {
  readonly edges: Edge<RecordedEvent>[] = [];
  lastPosition: number;
  hasNextPage = false;
  private examined = 0;

  constructor(
    after: number,
    private readonly first: number,
    private readonly matches: (event: RecordedEvent) => boolean,
  ) {
    this.lastPosition = after;
  }

  /** Takes a page's entries in order; false once the read must stop (no further page is read). */
  take(page: Item[]): boolean {
    for (const raw of page) {
      if (!this.takeEntry(fromItem<EventItem | TombstoneItem>(raw))) return false;
    }
    return true;
  }

  private takeEntry(entry: EventItem | TombstoneItem): boolean {
    // Deliver only a contiguous prefix: a missing position may still be committing.
    if (entry.position !== this.lastPosition + 1) return false;
    if (this.edges.length === this.first || this.examined >= maxLogEntriesExaminedPerRead) {
      this.hasNextPage = true;
      return false;
    }
    this.lastPosition = entry.position;
    this.examined++;
    if ('tombstone' in entry && entry.tombstone) return true;
    const event = toRecordedEvent(entry as EventItem);
    if (this.matches(event)) this.edges.push({ cursor: encodeCursor('p', event.position), node: event });
    return true;
  }
}
