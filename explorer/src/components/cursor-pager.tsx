/**
 * Forward cursor paging (the API's `first`/`after` connections) with a way back: the cursors of
 * the pages seen so far are kept, so "Previous page" asks again with the one before. The lists of
 * streams, consumers and parked events page this way.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { FocusKeepingButton } from './focus-keeping-button';

export interface CursorPages {
  /** The current page's `after`: null on the first page. */
  after: string | null;
  /** 1 on the first page. */
  number: number;
  next(endCursor: string): void;
  previous(): void;
  restart(): void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1] ?? null,
    number: cursors.length,
    next: (endCursor) => setCursors((seen) => [...seen, endCursor]),
    previous: () => setCursors((seen) => (seen.length > 1 ? seen.slice(0, -1) : seen)),
    restart: () => setCursors([null]),
  };
}

export function Pager(props: {
  label: string;
  pages: CursorPages;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined;
  /** What the pager says about the page, after the buttons; by default its number. */
  children?: ComponentChildren;
}) {
  const { pages, pageInfo } = props;
  const endCursor = pageInfo?.hasNextPage ? pageInfo.endCursor : null;
  return (
    <nav class="pager" aria-label={props.label}>
      <FocusKeepingButton disabled={pages.number < 2} onClick={pages.previous}>
        Previous page
      </FocusKeepingButton>
      <FocusKeepingButton disabled={!endCursor} onClick={() => endCursor && pages.next(endCursor)}>
        Next page
      </FocusKeepingButton>
      {props.children ?? <span class="hint">Page {pages.number}</span>}
    </nav>
  );
}
