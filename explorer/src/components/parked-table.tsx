/** A consumer's parked events (dead letters): the event, its failed attempts and the reason. */
import type { RefObject } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ExplorerConsumerQuery } from '../../generated/graphql';
import { DataTable } from './data-table';
import { FocusKeepingButton } from './focus-keeping-button';
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
          <FocusKeepingButton
            disabled={props.busy}
            label={replayLabel(event.position)}
            onClick={() => onReplay(event.position)}
          >
            Replay
          </FocusKeepingButton>
        </td>
      )}
    </tr>
  );
}

const replayLabel = (position: number) => `Replay the event at position ${position}`;

/**
 * A replayed row leaves the table once the page is read again, and the keyboard focus its button
 * had would fall to the page. It goes to the row now in its place (the next position, else the
 * last row), or to the heading when no row is left; in a layout effect, so in the task that
 * removes the row. A focus the person moved elsewhere meanwhile is left alone.
 */
export function useFocusAfterReplay(
  parked: readonly Parked[],
  heading: RefObject<HTMLElement | null>,
): (position: number) => void {
  const replayed = useRef<number | null>(null);
  useLayoutEffect(() => {
    const position = replayed.current;
    if (position === null || parked.some((row) => row.event.position === position)) return;
    replayed.current = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    const next = parked.find((row) => row.event.position > position) ?? parked.at(-1);
    const selector = next && `button[aria-label="${replayLabel(next.event.position)}"]`;
    const button = selector ? document.querySelector<HTMLButtonElement>(selector) : null;
    (button ?? heading.current)?.focus();
  });
  return (position) => {
    replayed.current = position;
  };
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
