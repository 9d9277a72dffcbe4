/** Placeholder: built in issue 17. */
import type { Route } from '../router';

export function ConsumersView(_props: { route: Route }) {
  return <p>Not built yet.</p>;
}
