/**
 * A stream's page (#/stream/<id>?category=…[&version=N]): its head, latest snapshot and events,
 * newest first, paged both ways. With `version`, the page ends at that event and marks it (the
 * link an event gives to its place in its stream).
 */
import { useState } from 'preact/hooks';
import { ExplorerStreamDocument, type ExplorerStreamQueryVariables } from '../../generated/graphql';
import { ErrorAlert } from '../components/error-alert';
import { EventCard } from '../components/event-card';
import { FocusKeepingButton } from '../components/focus-keeping-button';
import { type LoadedStream, SnapshotSection, StreamHead } from '../components/stream-head';
import type { Route } from '../router';
import { useSession } from '../session';
import { useRequest } from '../use-request';

const pageSize = 20;

/** Which events the page shows; the store answers every kind in ascending version order. */
type EventWindow =
  | { kind: 'newest' }
  | { kind: 'oldest' }
  | { kind: 'older'; before: string }
  | { kind: 'newer'; after: string }
  | { kind: 'endingAt'; version: number };

function pageArguments(window: EventWindow): Omit<ExplorerStreamQueryVariables, 'ref'> {
  switch (window.kind) {
    case 'newest':
      return { last: pageSize };
    case 'oldest':
      return { first: pageSize };
    case 'older':
      return { last: pageSize, before: window.before };
    case 'newer':
      return { first: pageSize, after: window.after };
    case 'endingAt':
      return { last: pageSize, toVersion: window.version };
  }
}

function versionParam(route: Route): number | null {
  const version = Number(route.params.get('version') ?? '');
  return Number.isSafeInteger(version) && version > 0 ? version : null;
}

export function StreamView(props: { route: Route }) {
  const id = props.route.parts[1];
  if (!id) return <p role="alert">No stream named: the address should be #/stream/&lt;id&gt;.</p>;
  // No category parameter (or an empty one): the stream without category.
  const category = props.route.params.get('category') || null;
  const version = versionParam(props.route);
  // A new address starts a new page (its own paging state).
  return <StreamPage key={`${id} ${category} ${version}`} id={id} category={category} version={version} />;
}

function StreamPage(props: { id: string; category: string | null; version: number | null }) {
  const session = useSession();
  const [eventWindow, setEventWindow] = useState<EventWindow>(
    props.version === null ? { kind: 'newest' } : { kind: 'endingAt', version: props.version },
  );
  const variables = { ref: { id: props.id, category: props.category }, ...pageArguments(eventWindow) };
  const request = useRequest(
    () => session.execute(ExplorerStreamDocument, variables),
    JSON.stringify(variables),
  );
  const stream = request.data?.stream;
  if (request.data === undefined) {
    return request.error ? <ErrorAlert message={request.error} /> : <p role="status">Loading the stream…</p>;
  }
  if (!stream) {
    return (
      <p role="alert" class="error">
        No stream <code>{props.id}</code> in{' '}
        {props.category ? <code>{props.category}</code> : '(no category)'}: it does not exist, or this key may
        not read it.
      </p>
    );
  }
  return (
    <>
      <StreamHead stream={stream} canAppend={session.can('append')} onRefresh={request.reload} />
      <SnapshotSection snapshot={stream.snapshot} />
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <EventPager stream={stream} loading={request.loading} onWindow={setEventWindow} />
        <ErrorAlert message={request.error} />
        <EventList stream={stream} target={props.version} />
      </section>
    </>
  );
}

function EventPager(props: { stream: LoadedStream; loading: boolean; onWindow(window: EventWindow): void }) {
  const { edges, pageInfo } = props.stream.events;
  const oldest = edges[0]?.node.version;
  const newest = edges.at(-1)?.node.version;
  // Versions run 1..version without gaps: whether there are older or newer events needs no guess.
  const older = oldest !== undefined && oldest > 1 && pageInfo.startCursor;
  const newer = newest !== undefined && newest < props.stream.version && pageInfo.endCursor;
  return (
    <nav class="pager" aria-label="Event pages">
      <FocusKeepingButton disabled={!newer} onClick={() => props.onWindow({ kind: 'newest' })}>
        Newest
      </FocusKeepingButton>
      <FocusKeepingButton
        disabled={!newer}
        onClick={() => newer && props.onWindow({ kind: 'newer', after: newer })}
      >
        Newer
      </FocusKeepingButton>
      <FocusKeepingButton
        disabled={!older}
        onClick={() => older && props.onWindow({ kind: 'older', before: older })}
      >
        Older
      </FocusKeepingButton>
      <FocusKeepingButton disabled={!older} onClick={() => props.onWindow({ kind: 'oldest' })}>
        Oldest
      </FocusKeepingButton>
      <span role="status" class="hint">
        {props.loading
          ? 'Loading…'
          : oldest === undefined
            ? 'No events.'
            : `Events ${newest} to ${oldest} of ${props.stream.version}, newest first`}
      </span>
    </nav>
  );
}

function EventList(props: { stream: LoadedStream; target: number | null }) {
  const newestFirst = [...props.stream.events.edges].reverse();
  return (
    <ol class="event-list" aria-label="Events, newest first">
      {newestFirst.map(({ node }) => (
        <li key={node.id}>
          <EventCard event={node} stream={props.stream} target={node.version === props.target} />
        </li>
      ))}
    </ol>
  );
}
