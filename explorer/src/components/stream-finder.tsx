/**
 * The streams page's filter box: what is typed filters the loaded page at once (by substring of
 * name, id or category); "Find" looks the stream up exactly, by id when the text is a UUID, else
 * by name, in the category given (by default the one selected).
 */
import { useState } from 'preact/hooks';
import { ExplorerFindStreamDocument, type StreamRowFragment } from '../../generated/graphql';
import { errorMessage } from '../api';
import { useSession } from '../session';
import { ErrorAlert } from './error-alert';
import { StreamLink, streamRefOf } from './stream-link';

type Found =
  | { status: 'idle' }
  | { status: 'searching' }
  | { status: 'found'; stream: StreamRowFragment }
  | { status: 'missing'; text: string; category: string | null }
  | { status: 'failed'; message: string };

export function StreamFinder(props: {
  filter: string;
  onFilter(text: string): void;
  /** The category selected in the list; null: none, undefined: all streams. */
  category: string | null | undefined;
}) {
  const session = useSession();
  const [category, setCategory] = useState(props.category ?? '');
  const [found, setFound] = useState<Found>({ status: 'idle' });

  const find = async (event: Event) => {
    event.preventDefault();
    const text = props.filter.trim();
    if (!text) return;
    const ref = streamRefOf(text, category.trim() || null);
    setFound({ status: 'searching' });
    try {
      const { stream } = await session.execute(ExplorerFindStreamDocument, { ref });
      setFound(
        stream ? { status: 'found', stream } : { status: 'missing', text, category: ref.category ?? null },
      );
    } catch (error) {
      setFound({ status: 'failed', message: errorMessage(error) });
    }
  };

  return (
    <form class="toolbar" onSubmit={find} aria-label="Find a stream">
      <div>
        <label for="stream-filter">Name or id</label>
        <input
          id="stream-filter"
          type="search"
          value={props.filter}
          autocomplete="off"
          aria-describedby="stream-filter-hint"
          onInput={(event) => props.onFilter(event.currentTarget.value)}
        />
      </div>
      <div>
        <label for="stream-find-category">Category (empty: none)</label>
        <input
          id="stream-find-category"
          value={category}
          autocomplete="off"
          onInput={(event) => setCategory(event.currentTarget.value)}
        />
      </div>
      <button type="submit">Find</button>
      <p id="stream-filter-hint" class="hint">
        Typing filters this page; Find looks up the exact name or id (a UUID) in the category.
      </p>
      <FoundLine found={found} />
    </form>
  );
}

function FoundLine(props: { found: Found }) {
  const { found } = props;
  if (found.status === 'failed') return <ErrorAlert message={found.message} />;
  return (
    <p role="status" class="found">
      {found.status === 'searching' && 'Looking the stream up…'}
      {found.status === 'found' && (
        <>
          Found: <StreamLink stream={found.stream} /> ({found.stream.category ?? 'no category'}, version{' '}
          {found.stream.version})
        </>
      )}
      {found.status === 'missing' && (
        <>
          No stream <code>{found.text}</code> in {found.category ?? '(no category)'}, or this key may not read
          it.
        </>
      )}
    </p>
  );
}
