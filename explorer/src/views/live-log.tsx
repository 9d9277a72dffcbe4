/**
 * The Live log (#/log, with after, category, type and keep in the address: log-address.ts): the
 * tenant's log as it arrives over graphql-ws `eventBatches`, with a category and type filter, a
 * "catching up" / "live" indicator, pause and resume from the last checkpoint, jump to a
 * position, and the newest rows kept in the page.
 */
import { useEffect } from 'preact/hooks';
import { ErrorAlert } from '../components/error-alert';
import { filterOf, keepChoices, keepOf, type LogAddress, logAddressHref } from '../components/log-address';
import { FilterForm, JumpForm } from '../components/log-controls';
import { type FeedState, useLogFeed } from '../components/log-feed';
import { LogTable } from '../components/log-table';
import { parsePosition } from '../components/position';
import { type Route, replaceAddress } from '../router';
import { useSession } from '../session';

const phaseLabels: Record<FeedState['phase'], string> = {
  connecting: 'Connecting…',
  'catching-up': 'Catching up',
  live: 'Live',
  paused: 'Paused',
  failed: 'Stopped',
  ended: 'Ended by the gateway',
};

/** Where the feed stands and what Resume will do, in words. */
function Progress(props: { state: FeedState }) {
  const { phase, checkpoint, startedAfter, active } = props.state;
  const start = startedAfter === null ? 'the head of the log at opening' : `position ${startedAfter}`;
  return (
    <div class="log-progress">
      <p role="status">
        <span class={`status ${phase}`}>{phaseLabels[phase]}</span>
      </p>
      <p>
        Started after {start}.{' '}
        {checkpoint === null ? 'No batch received yet.' : `Received up to position ${checkpoint}.`}
      </p>
      {!active && checkpoint !== null && (
        <p class="hint">
          The subscription is closed. Resume subscribes again with <code>after: {checkpoint}</code> (the last
          checkpoint), so nothing appended meanwhile is lost or shown twice.
        </p>
      )}
    </div>
  );
}

function RowsNote(props: { state: FeedState }) {
  const { rows, dropped, keep, filter } = props.state;
  const filters = [
    filter.categories.length > 0 ? `categories ${filter.categories.join(', ')}` : null,
    filter.types.length > 0 ? `types ${filter.types.join(', ')}` : null,
  ].filter(Boolean);
  return (
    <p class="hint">
      {rows.length} {rows.length === 1 ? 'event' : 'events'} shown, newest first
      {filters.length > 0 ? ` (filter: ${filters.join('; ')})` : ''}. The page keeps the newest {keep}
      {dropped > 0 && (
        <span class="dropped">
          : {dropped} older {dropped === 1 ? 'row was' : 'rows were'} dropped from the page (jump to a
          position to see them again)
        </span>
      )}
      .
    </p>
  );
}

function LiveLog(props: { opened: LogAddress }) {
  const session = useSession();
  const { after, keep, filter } = props.opened;
  const [state, dispatch] = useLogFeed(session, after, keep, filter);
  const running = state.active;
  const address: LogAddress = { after, filter: state.filter, keep: state.keep };
  const addressHref = logAddressHref(address);
  // The filter and rows kept change the address in place: a reload or a copied link opens this view.
  useEffect(() => replaceAddress(addressHref), [addressHref]);
  return (
    <section aria-labelledby="live-log-title">
      <h1 id="live-log-title">Live log</h1>
      <FilterForm filter={state.filter} onApply={(filter) => dispatch({ kind: 'filter', filter })} />
      <JumpForm current={address} />
      <div class="toolbar">
        <button
          type="button"
          disabled={running && state.checkpoint === null}
          onClick={() => dispatch(running ? { kind: 'pause' } : { kind: 'resume' })}
        >
          {running ? 'Pause' : 'Resume'}
        </button>
        <div>
          <label for="log-keep">Rows kept</label>
          <select
            id="log-keep"
            value={String(state.keep)}
            onChange={(event) => dispatch({ kind: 'keep', keep: Number(event.currentTarget.value) })}
          >
            {keepChoices.map((choice) => (
              <option key={choice} value={String(choice)}>
                newest {choice}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Progress state={state} />
      <ErrorAlert message={state.error} />
      <RowsNote state={state} />
      <LogTable rows={state.rows} />
    </section>
  );
}

export function LiveLogView(props: { route: Route }) {
  const after = props.route.params.get('after');
  const startedAfter = parsePosition(after);
  if (after !== null && startedAfter === null) {
    return (
      <p class="error" role="alert">
        "{after}" is not a log position (a whole number from 0). <a href="#/log">Open the live log</a>
      </p>
    );
  }
  // A navigation is a new feed: nothing of the previous one carries over.
  const { params } = props.route;
  const opened = { after: startedAfter, filter: filterOf(params), keep: keepOf(params) };
  return <LiveLog key={props.route.visit} opened={opened} />;
}
