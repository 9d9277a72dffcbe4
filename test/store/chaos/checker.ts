// Whole-history checker for the attack tests: reads every raw item of a tenant (counter, log,
// stream partitions, listing, event-id claims) with an ungated client and checks the journal of answers against it.
import { type DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  eventsTableName,
  type RecordedEvent,
  streamIdForName,
  type TenantEventStore,
} from '../../../src/store/index.js';
import { toItem } from '../../../src/store/items.js';
import {
  counterPk,
  counterSk,
  logPk,
  streamListPk,
  streamListSk,
  streamPk,
} from '../../../src/store/keys.js';
import { type RawClaim, scanClaims } from '../../support/claims.js';

export interface StreamName {
  name: string;
  category: string | null;
}

export interface AckEvent {
  id: string;
  version: number;
  position: number;
  inc: number;
  sid: string;
  cat: string | null;
}

/** What the checker keeps of an event an append was answered with. */
export function ackEventOf(event: RecordedEvent): AckEvent {
  return {
    id: event.id,
    version: event.version,
    position: event.position,
    inc: event.streamIncarnation,
    sid: event.stream.id,
    cat: event.stream.category,
  };
}

export interface AppendEntry {
  t: 'append';
  w?: string;
  kind?: string;
  inst?: number;
  stream: StreamName;
  expectedVersion: number | null;
  ids: string[];
  ok: boolean;
  replayed?: boolean;
  info?: { version: number; versioned: boolean };
  events?: AckEvent[];
  err?: string;
  at?: number;
}

export interface DeleteEntry {
  t: 'delete';
  w?: string;
  stream: StreamName;
  expected: number | null;
  ok: boolean;
  deletedEvents?: number;
  err?: string;
  at?: number;
}

type Raw = Record<string, unknown>;

async function queryAll(client: DynamoDBClient, table: string, pk: string): Promise<Raw[]> {
  const items: Raw[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: toItem({ ':pk': pk }),
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  return items;
}

export interface RawState {
  counter: number;
  log: Map<number, Raw>;
  streams: Map<string, { ref: StreamName; pk: string; head: Raw | null; items: Raw[]; listing: Raw | null }>;
  /** The tenant's event-id claims (one per id, tenant-wide). */
  claims: RawClaim[];
}

export async function readRaw(
  client: DynamoDBClient,
  prefix: string,
  tenant: string,
  refs: StreamName[],
): Promise<RawState> {
  const table = eventsTableName(prefix);
  const counterItem = (
    await client.send(
      new GetItemCommand({
        TableName: table,
        Key: toItem({ pk: counterPk(tenant), sk: counterSk }),
        ConsistentRead: true,
      }),
    )
  ).Item;
  const counter = counterItem ? Number(unmarshall(counterItem).position) : 0;
  const log = new Map<number, Raw>();
  for (const item of await queryAll(client, table, logPk(tenant))) log.set(Number(item.position), item);
  const streams: RawState['streams'] = new Map();
  for (const ref of refs) {
    const key = { id: streamIdForName(ref.name), category: ref.category };
    const pk = streamPk(tenant, key);
    const items = await queryAll(client, table, pk);
    const head = items.find((item) => item.sk === 'HEAD') ?? null;
    const listingItem = (
      await client.send(
        new GetItemCommand({
          TableName: table,
          Key: toItem({ pk: streamListPk(tenant), sk: streamListSk(key) }),
          ConsistentRead: true,
        }),
      )
    ).Item;
    streams.set(`${key.id}/${ref.category}`, {
      ref,
      pk,
      head,
      items: items.filter((item) => item.sk !== 'HEAD'),
      listing: listingItem ? unmarshall(listingItem) : null,
    });
  }
  return { counter, log, streams, claims: await scanClaims(client, table, tenant) };
}

const short = (id: string | undefined) => (id ?? '-').slice(0, 8);

/** A live stream's events each have their tenant-wide claim, of this stream and incarnation, at their version. */
function claimProblems(name: string, pk: string, inc: number, events: Raw[], claims: RawClaim[]): string[] {
  const problems: string[] = [];
  const mine = claims.filter((claim) => claim.streamPk === pk);
  for (const claim of mine)
    if (claim.incarnation !== inc)
      problems.push(`${name}: claim ${short(claim.eventId)} inc ${claim.incarnation} under head inc ${inc}`);
  if (mine.length !== events.length)
    problems.push(`${name}: ${mine.length} claims for ${events.length} events`);
  const byId = new Map(claims.map((claim) => [claim.eventId, claim]));
  for (const item of events) {
    const claim = byId.get(item.eventId as string);
    if (!claim || claim.streamPk !== pk || claim.version !== Number(item.version))
      problems.push(
        `${name}: event v${item.version} ${short(item.eventId as string)} is not claimed by its stream`,
      );
  }
  return problems;
}

const keyOf = (sid: string, cat: string | null | undefined) => `${sid}/${cat ?? null}`;

/** Returns a list of violations (empty: the history is consistent). `notes` gets softer findings. */
export function checkHistory(
  raw: RawState,
  appends: AppendEntry[],
  deletes: DeleteEntry[],
  notes: string[] = [],
  options: { allowMarked?: boolean } = {},
): string[] {
  const problems: string[] = [];

  // The log covers 1..N exactly.
  for (let p = 1; p <= raw.counter; p++)
    if (!raw.log.has(p)) problems.push(`log hole at ${p} (counter ${raw.counter})`);
  for (const p of raw.log.keys())
    if (p < 1 || p > raw.counter) problems.push(`log entry ${p} beyond the counter ${raw.counter}`);

  const liveInc = new Map<string, number | null>();
  const markedInc = new Map<string, number | null>();
  for (const [key, stream] of raw.streams) {
    const head = stream.head;
    if (head && !head.deleting) liveInc.set(key, Number(head.incarnation ?? 0));
    if (head?.deleting) markedInc.set(key, Number(head.incarnation ?? 0));
    // Listing agrees with the head.
    if ((head === null) !== (stream.listing === null))
      problems.push(
        `${stream.ref.name}: head ${head ? 'present' : 'absent'} but listing ${stream.listing ? 'present' : 'absent'}`,
      );
    if (head === null && stream.items.length > 0)
      problems.push(
        `${stream.ref.name}: no head, but ${stream.items.length} items remain: ${stream.items.map((i) => i.sk).join(' ')}`,
      );
    if (head && !head.deleting) {
      const inc = Number(head.incarnation ?? 0);
      const events = stream.items.filter((item) => String(item.sk).startsWith('E#'));
      const versions = events.map((item) => Number(item.version));
      const want = Array.from({ length: Number(head.version) }, (_, i) => i + 1);
      if (JSON.stringify(versions) !== JSON.stringify(want))
        problems.push(
          `${stream.ref.name}: live head v${head.version} inc ${inc}, event versions ${JSON.stringify(versions)}`,
        );
      for (const item of events) {
        if (Number(item.incarnation ?? 0) !== inc)
          problems.push(
            `${stream.ref.name}: event v${item.version} inc ${item.incarnation} under head inc ${inc}`,
          );
        const entry = raw.log.get(Number(item.position));
        if (!entry || entry.tombstone || entry.eventId !== item.eventId)
          problems.push(
            `${stream.ref.name}: event v${item.version} ${short(item.eventId as string)} @${item.position}: log holds ${entry ? (entry.tombstone ? 'a tombstone' : short(entry.eventId as string)) : 'nothing'}`,
          );
        if (Number(item.version) === 1 && head.incarnation !== undefined && Number(item.position) !== inc)
          problems.push(`${stream.ref.name}: incarnation ${inc} but v1 at position ${item.position}`);
      }
      problems.push(...claimProblems(stream.ref.name, stream.pk, inc, events, raw.claims));
      for (const snap of stream.items.filter((item) => String(item.sk).startsWith('SNAP#')))
        if (Number(snap.version) > Number(head.version))
          problems.push(`${stream.ref.name}: snapshot v${snap.version} above head v${head.version}`);
    }
    if (head?.deleting) {
      notes.push(
        `${stream.ref.name}: head left marked (deletion interrupted), ${stream.items.length} items remain`,
      );
      if (!options.allowMarked) problems.push(`${stream.ref.name}: head still marked deleting at the end`);
    }
  }

  // Every claim belongs to a live (or marked) incarnation of a stream: a deletion frees its ids.
  const heldBy = new Map([...raw.streams.values()].map((stream) => [stream.pk, stream.head]));
  for (const claim of raw.claims) {
    const head = heldBy.get(claim.streamPk);
    if (!head || Number(head.incarnation ?? 0) !== claim.incarnation)
      problems.push(
        `orphan claim of ${short(claim.eventId)} (inc ${claim.incarnation}): its stream does not hold it`,
      );
  }

  // Every live log entry belongs to a live (or marked) incarnation of its stream.
  for (const [position, entry] of raw.log) {
    if (entry.tombstone) continue;
    const key = keyOf(entry.streamId as string, entry.category as string | null);
    const inc = Number(entry.incarnation ?? 0);
    if (liveInc.get(key) === inc || markedInc.get(key) === inc) continue;
    problems.push(
      `log ${position}: event ${short(entry.eventId as string)} v${entry.version} inc ${inc} of a stream whose head is ${liveInc.has(key) ? `live inc ${liveInc.get(key)}` : markedInc.has(key) ? `marked inc ${markedInc.get(key)}` : 'absent'}: not tombstoned`,
    );
  }

  // The answers.
  const byPosition = new Map<number, { e: AckEvent; a: AppendEntry }>();
  const byVersion = new Map<string, { e: AckEvent; a: AppendEntry }>();
  const incVersioned = new Map<string, boolean>();
  const describe = (a: AppendEntry) =>
    `${a.w}/${a.inst} ${a.kind} ${a.stream.name} exp ${a.expectedVersion} ids ${a.ids.map(short).join(',')}`;
  for (const a of appends) {
    if (!a.ok || !a.events) continue;
    const sid = streamIdForName(a.stream.name);
    const got = a.events.map((e) => e.id);
    if (JSON.stringify(got) !== JSON.stringify(a.ids))
      problems.push(`answered with other ids: ${describe(a)} -> ${got.map(short).join(',')}`);
    for (const e of a.events) {
      if (e.sid !== sid || (e.cat ?? null) !== (a.stream.category ?? null))
        problems.push(`answered with an event of another stream: ${describe(a)} -> ${e.sid}/${e.cat}`);
      const other = byPosition.get(e.position);
      if (other && other.e.id !== e.id)
        problems.push(
          `two acknowledged events at position ${e.position}: ${short(other.e.id)} (${describe(other.a)}) and ${short(e.id)} (${describe(a)})`,
        );
      byPosition.set(e.position, { e, a });
      const vkey = `${keyOf(e.sid, e.cat)}#${e.inc}#${e.version}`;
      const same = byVersion.get(vkey);
      if (same && same.e.id !== e.id)
        problems.push(
          `two acknowledged events at inc ${e.inc} v${e.version} of ${a.stream.name}: ${short(same.e.id)} (${describe(same.a)}) and ${short(e.id)} (${describe(a)})`,
        );
      byVersion.set(vkey, { e, a });
      if (e.version === 1 && e.inc !== 0 && e.inc !== e.position)
        problems.push(`v1 of inc ${e.inc} acknowledged at position ${e.position}`);
      // Where is it now?
      const entry = raw.log.get(e.position);
      const key = keyOf(e.sid, e.cat);
      if (!entry) problems.push(`acknowledged ${short(e.id)} @${e.position}: no log entry`);
      else if (entry.tombstone) {
        if (entry.streamId !== e.sid)
          problems.push(
            `acknowledged ${short(e.id)} @${e.position}: tombstone of another stream ${entry.streamId}`,
          );
        if (liveInc.get(key) === e.inc)
          problems.push(
            `acknowledged ${short(e.id)} inc ${e.inc} v${e.version} @${e.position} (${describe(a)}): tombstoned, but its incarnation is live`,
          );
      } else if (
        entry.eventId !== e.id ||
        Number(entry.version) !== e.version ||
        Number(entry.incarnation ?? 0) !== e.inc
      ) {
        problems.push(
          `acknowledged ${short(e.id)} inc ${e.inc} v${e.version} @${e.position} (${describe(a)}): log holds ${short(entry.eventId as string)} inc ${entry.incarnation} v${entry.version}`,
        );
      } else if (liveInc.get(key) === e.inc) {
        const stream = raw.streams.get(key);
        const item = stream?.items.find((i) => i.sk === `E#${String(e.version).padStart(10, '0')}`);
        if (item?.eventId !== e.id)
          problems.push(
            `acknowledged ${short(e.id)} v${e.version}: stream holds ${short(item?.eventId as string)}`,
          );
      }
    }
    if (!a.replayed) {
      const first = a.events[0]!;
      if (a.expectedVersion !== null && first.version !== a.expectedVersion + 1)
        problems.push(`expected-version rule: ${describe(a)} stored at v${first.version}`);
      const ikey = `${keyOf(first.sid, first.cat)}#${first.inc}`;
      const versioned = a.expectedVersion !== null;
      if (first.version === 1) {
        const known = incVersioned.get(ikey);
        if (known !== undefined && known !== versioned)
          problems.push(`inc ${first.inc} of ${a.stream.name} created twice?`);
        incVersioned.set(ikey, versioned);
      }
      if (a.info && a.info.versioned !== versioned)
        problems.push(
          `versioned rule: ${describe(a)} committed into a stream with versioned=${a.info.versioned}`,
        );
    }
  }
  // Versioned rule per incarnation for every non-replayed append (its kind set by its creator).
  for (const a of appends) {
    if (!a.ok || !a.events || a.replayed) continue;
    const first = a.events[0]!;
    const ikey = `${keyOf(first.sid, first.cat)}#${first.inc}`;
    const kind = incVersioned.get(ikey);
    if (kind !== undefined && kind !== (a.expectedVersion !== null))
      problems.push(
        `versioned rule: ${describe(a)} into inc ${first.inc} created ${kind ? 'versioned' : 'unversioned'}`,
      );
  }
  void deletes;
  return problems;
}

/** getStream, getStreams, listStreams and readStream of each stream should agree. */
export async function checkReads(store: TenantEventStore, refs: StreamName[]): Promise<string[]> {
  const problems: string[] = [];
  const listed = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await store.listStreams({ first: 100, after });
    for (const edge of page.edges) listed.add(keyOf(edge.node.id, edge.node.category));
    if (!page.hasNextPage || page.edges.length === 0) break;
    after = page.edges.at(-1)!.cursor;
  }
  for (const ref of refs) {
    const info = await store.getStream(ref);
    const [batch] = await store.getStreams([{ id: streamIdForName(ref.name), category: ref.category }]);
    const events = (await store.readStream(ref, { first: 1000 })).edges.map((edge) => edge.node);
    const key = keyOf(streamIdForName(ref.name), ref.category);
    if ((info === null) !== (batch === null)) problems.push(`${ref.name}: getStream and getStreams disagree`);
    if ((info !== null) !== listed.has(key))
      problems.push(
        `${ref.name}: getStream ${info ? 'found' : 'null'} but listStreams ${listed.has(key) ? 'lists' : 'omits'} it`,
      );
    if (info === null && events.length > 0)
      problems.push(
        `${ref.name}: getStream null, but readStream returns ${events.length} events (versions ${events[0]!.version}..${events.at(-1)!.version}, inc ${events[0]!.streamIncarnation})`,
      );
    if (info !== null) {
      const versions = events.map((event) => event.version);
      if (JSON.stringify(versions) !== JSON.stringify(Array.from({ length: info.version }, (_, i) => i + 1)))
        problems.push(
          `${ref.name}: getStream v${info.version}, readStream versions ${JSON.stringify(versions)}`,
        );
    }
  }
  return problems;
}
