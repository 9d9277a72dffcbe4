/** The Live log's rows, newest first: one per event, keyed by its log position. */

import { DataTable } from './data-table';
import { JsonView } from './json';
import type { LogEvent } from './log-feed';
import { StreamLink } from './stream-link';
import { When } from './when';

function Row(props: { event: LogEvent }) {
  const { event } = props;
  return (
    <tr data-position={event.position}>
      <td class="mono">{event.position}</td>
      <td>
        <StreamLink stream={event.stream} version={event.version} withCategory />
      </td>
      <td>{event.type}</td>
      <td class="mono">{event.version}</td>
      <td>
        <When iso={event.recordedAt} />
      </td>
      <td>
        <JsonView
          value={event.data}
          hiddenLabel={`Data of the event at position ${event.position}`}
          openDepth={0}
          preview
        />
      </td>
    </tr>
  );
}

const logColumns = ['Position', 'Stream', 'Type', 'Version', 'Recorded', 'Data'];

export function LogTable(props: { rows: readonly LogEvent[] }) {
  const newestFirst = [...props.rows].reverse();
  return (
    <DataTable class="log-table" caption="Events of the log, newest first" captionHidden columns={logColumns}>
      {newestFirst.map((event) => (
        <Row key={event.position} event={event} />
      ))}
    </DataTable>
  );
}
