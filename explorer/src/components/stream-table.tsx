/** One page of streams as a table: each stream's name (its link), id, category, version, time. */
import type { StreamRowFragment } from '../../generated/graphql';
import { categoryHref, StreamLink } from './stream-link';
import { When } from './when';

/** Whether a stream matches what was typed in the filter box (case-insensitive substring). */
export function matchesFilter(stream: StreamRowFragment, filter: string): boolean {
  const wanted = filter.trim().toLowerCase();
  if (!wanted) return true;
  return [stream.name, stream.id, stream.category].some((field) => field?.toLowerCase().includes(wanted));
}

export function StreamTable(props: { streams: StreamRowFragment[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table class="stream-table">
        <caption class="hint">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Category</th>
            <th scope="col">Version</th>
            <th scope="col">Versioned</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {props.streams.map((stream) => (
            <tr key={`${stream.id} ${stream.category}`}>
              <td>
                <StreamLink stream={stream} />
              </td>
              <td>
                <code>{stream.id}</code>
              </td>
              <td>
                <a href={categoryHref(stream.category)}>{stream.category ?? '(no category)'}</a>
              </td>
              <td>{stream.version}</td>
              <td>{stream.versioned ? 'yes' : 'no'}</td>
              <td>
                <When iso={stream.updatedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
