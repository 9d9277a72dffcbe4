/** A consumer's parked events (dead letters): the event, its failed attempts and the reason. */
import type { ExplorerConsumerQuery } from '../../generated/graphql';
import { DataTable } from './data-table';
import { JsonView } from './json';
import { logFromHref, StreamLink } from './stream-link';
import { When } from './when';

type Parked = NonNullable<ExplorerConsumerQuery['consumer']>['parked']['edges'][number]['node'];

function Row(props: { parked: Parked; onReplay: ((position: number) => void) | null; busy: boolean }) {
  const { parked, onReplay } = props;
  const { event } = parked;
  return (
    <tr data-position={event.position}>
      <td class="mono">
        <a href={logFromHref(event.position)} title="The log from this event on">
          {event.position}
        </a>
      </td>
      <td>
        <StreamLink stream={event.stream} version={event.version} withCategory />
      </td>
      <td>{event.type}</td>
      <td class="mono">{event.version}</td>
      <td class="mono">{parked.attempts}</td>
      <td>{parked.reason ?? <span class="hint">none given</span>}</td>
      <td>
        <When iso={parked.parkedAt} />
      </td>
      <td>
        <JsonView
          value={event.data}
          hiddenLabel={`Data of the parked event at position ${event.position}`}
          openDepth={0}
          preview
        />
      </td>
      {onReplay && (
        <td>
          <button
            type="button"
            disabled={props.busy}
            aria-label={`Replay the event at position ${event.position}`}
            onClick={() => onReplay(event.position)}
          >
            Replay
          </button>
        </td>
      )}
    </tr>
  );
}

const parkedColumns = ['Position', 'Stream', 'Type', 'Version', 'Attempts', 'Reason', 'Parked', 'Data'];

export function ParkedTable(props: {
  parked: readonly Parked[];
  onReplay: ((position: number) => void) | null;
  busy: boolean;
}) {
  return (
    <DataTable class="parked-table" columns={props.onReplay ? [...parkedColumns, 'Action'] : parkedColumns}>
      {props.parked.map((parked) => (
        <Row key={parked.event.position} parked={parked} onReplay={props.onReplay} busy={props.busy} />
      ))}
    </DataTable>
  );
}
