/**
 * The categories beside the streams: every stream, each category (Query.categories, a page at a
 * time: "More categories" adds the next), and the streams without one, which no category lists.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ExplorerCategoriesDocument } from '../../generated/graphql';
import { href } from '../router';
import { useSession } from '../session';
import { useRequest } from '../use-request';
import { categoryHref } from './stream-link';

/** Each category costs the gateway one DynamoDB Query: ask for a few at a time. */
const categoriesPerPage = 30;

type Selected = string | null | undefined;

const currentIf = (selected: Selected, category: Selected) => (selected === category ? 'page' : undefined);

export function CategoryNav(props: { selected: Selected }) {
  // The cursor each loaded page of categories starts after (null: the first).
  const [pages, setPages] = useState<(string | null)[]>([null]);
  return (
    <nav aria-label="Categories" class="category-nav">
      <ul>
        <li>
          <a href={href('streams')} aria-current={currentIf(props.selected, undefined)}>
            All streams
          </a>
        </li>
        {pages.map((after, index) => (
          <CategoryPage
            key={after ?? ''}
            after={after}
            selected={props.selected}
            last={index === pages.length - 1}
            onMore={(next) => setPages((list) => [...list, next])}
          />
        ))}
        <li>
          <a href={categoryHref(null)} aria-current={currentIf(props.selected, null)}>
            (no category)
          </a>
        </li>
      </ul>
    </nav>
  );
}

function CategoryPage(props: {
  after: string | null;
  selected: Selected;
  last: boolean;
  onMore(after: string): void;
}) {
  const session = useSession();
  const variables = { first: categoriesPerPage, ...(props.after ? { after: props.after } : {}) };
  const request = useRequest(() => session.execute(ExplorerCategoriesDocument, variables), props.after ?? '');
  const firstLink = useRef<HTMLAnchorElement>(null);
  const page = request.data?.categories;
  // A page "More categories" asked for takes the focus the vanished button had, in the same
  // task that shows it (a layout effect), so no key press falls between the two.
  useLayoutEffect(() => {
    if (page && props.after !== null) firstLink.current?.focus();
  }, [page, props.after]);
  if (request.error) {
    return (
      <li role="alert" class="error">
        {request.error}
      </li>
    );
  }
  if (!page) return <li class="hint">Loading categories…</li>;
  const next = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  return (
    <>
      {page.edges.map(({ node }, index) => (
        <li key={node.name}>
          <a
            ref={index === 0 ? firstLink : null}
            href={categoryHref(node.name)}
            aria-current={currentIf(props.selected, node.name)}
          >
            {node.name}
          </a>
        </li>
      ))}
      {props.last && next && (
        <li>
          <button type="button" onClick={() => props.onMore(next)}>
            More categories
          </button>
        </li>
      )}
    </>
  );
}
