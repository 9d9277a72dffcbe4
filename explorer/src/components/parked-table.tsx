/** A consumer's parked events (dead letters): the event, its failed attempts and the reason. */
import type { ExplorerConsumerQuery } from '../../generated/graphql';
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
      <td>{parked.reason ?? <span class="muted">none given</span>}</td>
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

export function ParkedTable(props: {
  parked: readonly Parked[];
  onReplay: ((position: number) => void) | null;
  busy: boolean;
}) {
  return (
    <div class="table-wrap holds-hidden">
      <table class="parked-table">
        <thead>
          <tr>
            <th scope="col">Position</th>
            <th scope="col">Stream</th>
            <th scope="col">Type</th>
            <th scope="col">Version</th>
            <th scope="col">Attempts</th>
            <th scope="col">Reason</th>
            <th scope="col">Parked</th>
            <th scope="col">Data</th>
            {props.onReplay && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {props.parked.map((parked) => (
            <Row key={parked.event.position} parked={parked} onReplay={props.onReplay} busy={props.busy} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
