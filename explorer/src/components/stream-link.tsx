/**
 * Links between the explorer's views of streams and events, in one place so every view names a
 * stream, an event's place in its stream and its log position the same way.
 */
import type { StreamRef } from '../../generated/graphql';
import { href } from '../router';

/** What names a stream: its id within its category (null: none), and its name when it has one. */
export interface StreamIdentity {
  id: string;
  name?: string | null;
  category: string | null;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return uuid.test(text);
}

/** A StreamRef from what a person typed: a UUID is an id, anything else a name. */
export function streamRefOf(text: string, category: string | null): StreamRef {
  const trimmed = text.trim();
  return isUuid(trimmed) ? { id: trimmed.toLowerCase(), category } : { name: trimmed, category };
}

/** The stream's page; with `version`, the page of events ending at that version (highlighted). */
export function streamHref(stream: StreamIdentity, version?: number): string {
  return href('stream', stream.id, { category: stream.category, version });
}

/** The live log after a position (a checkpoint: the next event comes first); null: from the head. */
export function logAfterHref(after: number | null): string {
  return href('log', { after });
}

/** The live log from this event on: `after` is exclusive, so the event itself comes first. */
export function logFromHref(position: number): string {
  return logAfterHref(position - 1);
}

/** The streams of a category; null: the streams without category. */
export function categoryHref(category: string | null): string {
  return href('streams', { category: category ?? '' });
}

/**
 * A stream's name (its id when it has none) as a link to its page, or with `version` to that
 * event in it. `withCategory` puts the category first, for tables without a column for it.
 */
export function StreamLink(props: { stream: StreamIdentity; version?: number; withCategory?: boolean }) {
  const { stream, version } = props;
  return (
    <>
      {props.withCategory && stream.category !== null && <span class="hint">{stream.category} / </span>}
      <a
        href={streamHref(stream, version)}
        title={version === undefined ? `Stream ${stream.id}` : `Event ${version} of stream ${stream.id}`}
      >
        {stream.name ?? <code>{stream.id}</code>}
      </a>
    </>
  );
}
