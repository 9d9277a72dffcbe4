/**
 * The Streams view: the categories, and the streams of the one selected, a page at a time.
 * #/streams: every stream; #/streams?category=<name>: that category's; #/streams?category=
 * (empty): the streams without category (no category has an empty name).
 */
import { useState } from 'preact/hooks';
import { ExplorerStreamsDocument, type ExplorerStreamsQueryVariables } from '../../generated/graphql';
import { CategoryNav } from '../components/category-nav';
import { Pager, useCursorPages } from '../components/cursor-pager';
import { ErrorAlert } from '../components/error-alert';
import { StreamFinder } from '../components/stream-finder';
import { matchesFilter, StreamTable } from '../components/stream-table';
import type { Route } from '../router';
import { useSession } from '../session';
import { useRequest } from '../use-request';

const pageSize = 25;

const streamCount = (count: number) => `${count} ${count === 1 ? 'stream' : 'streams'}`;

/** The selected category: a name, null (the streams without one), undefined (all streams). */
type Selection = string | null | undefined;

function selectionOf(route: Route): Selection {
  const category = route.params.get('category');
  if (category === null) return undefined;
  return category === '' ? null : category;
}

function titleOf(selection: Selection): string {
  if (selection === undefined) return 'All streams';
  return selection === null ? 'Streams without category' : `Streams in ${selection}`;
}

export function StreamsView(props: { route: Route }) {
  const selection = selectionOf(props.route);
  return (
    <div class="streams-layout">
      <CategoryNav selected={selection} />
      <section aria-labelledby="streams-heading" class="streams-main">
        <h1 id="streams-heading">{titleOf(selection)}</h1>
        {/* Another category starts at its first page, with an empty filter. */}
        <StreamPages key={String(selection)} selection={selection} />
      </section>
    </div>
  );
}

function StreamPages(props: { selection: Selection }) {
  const session = useSession();
  const [filter, setFilter] = useState('');
  const pages = useCursorPages();
  const { after } = pages;
  const variables: ExplorerStreamsQueryVariables = {
    first: pageSize,
    ...(after ? { after } : {}),
    // Omitted: all streams; null: those without category.
    ...(props.selection === undefined ? {} : { category: props.selection }),
  };
  const request = useRequest(
    () => session.execute(ExplorerStreamsDocument, variables),
    JSON.stringify(variables),
  );
  const page = request.data?.streams;
  const streams = page?.edges.map((edge) => edge.node) ?? [];
  const shown = streams.filter((stream) => matchesFilter(stream, filter));
  const pageNumber = pages.number;
  return (
    <>
      <StreamFinder filter={filter} onFilter={setFilter} category={props.selection} />
      <Pager label="Stream pages" pages={pages} pageInfo={page?.pageInfo}>
        <span role="status" class="hint">
          {request.loading ? 'Loading…' : `Page ${pageNumber}: ${streamCount(streams.length)}`}
        </span>
      </Pager>
      <ErrorAlert message={request.error} />
      {page && (
        <StreamTable
          streams={shown}
          caption={
            filter.trim()
              ? `${shown.length} of ${streams.length} streams on this page match “${filter.trim()}”`
              : `${streamCount(streams.length)} on page ${pageNumber}`
          }
        />
      )}
    </>
  );
}
