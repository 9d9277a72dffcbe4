/** One page of streams as a table: each stream's name (its link), id, category, version, time. */
import type { StreamRowFragment } from '../../generated/graphql';
import { DataTable } from './data-table';
import { categoryHref, StreamLink } from './stream-link';
import { When } from './when';

/** Whether a stream matches what was typed in the filter box (case-insensitive substring). */
export function matchesFilter(stream: StreamRowFragment, filter: string): boolean {
  const wanted = filter.trim().toLowerCase();
  if (!wanted) return true;
  return [stream.name, stream.id, stream.category].some((field) => field?.toLowerCase().includes(wanted));
}

const streamColumns = ['Name', 'Id', 'Category', 'Version', 'Versioned', 'Updated'];

export function StreamTable(props: { streams: StreamRowFragment[]; caption: string }) {
  return (
    <DataTable class="stream-table" caption={props.caption} columns={streamColumns}>
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
    </DataTable>
  );
}
