/**
 * The categories beside the streams: every stream, each category, and the streams without one.
 * Until the API lists categories, a restricted key's own categories (Query.viewer) are shown.
 */
import { href } from '../router';
import { useSession } from '../session';
import { categoryHref } from './stream-link';

export function CategoryNav(props: { selected: string | null | undefined }) {
  const { viewer } = useSession();
  const current = (category: string | null | undefined) => (props.selected === category ? 'page' : undefined);
  return (
    <nav aria-label="Categories" class="category-nav">
      <ul>
        <li>
          <a href={href('streams')} aria-current={current(undefined)}>
            All streams
          </a>
        </li>
        {(viewer.categories ?? []).map((category) => (
          <li key={category}>
            <a href={categoryHref(category)} aria-current={current(category)}>
              {category}
            </a>
          </li>
        ))}
        <li>
          <a href={categoryHref(null)} aria-current={current(null)}>
            (no category)
          </a>
        </li>
      </ul>
    </nav>
  );
}
