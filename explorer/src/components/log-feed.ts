/**
 * The Live log's state: the rows kept in the page, the checkpoint to resume from, and whether
 * delivery runs. One `eventBatches` subscription runs at a time (a "run"); pausing ends it and
 * keeps the last batch's checkpoint; resuming, or changing the filter, starts a new run with
 * `after: checkpoint`. The API's checkpoint covers everything up to it (skipped events included),
 * so a new run repeats nothing and misses nothing.
 */
import { useEffect, useReducer, useRef } from 'preact/hooks';
import {
  type EventFilter,
  ExplorerEventBatchesDocument,
  type ExplorerEventBatchesSubscription,
} from '../../generated/graphql';
import type { Session } from '../session';

type Batch = ExplorerEventBatchesSubscription['eventBatches'];
export type LogEvent = Batch['events'][number];

export interface LogFilter {
  categories: string[];
  types: string[];
}

export type FeedPhase = 'connecting' | 'catching-up' | 'live' | 'paused' | 'failed' | 'ended';

export interface FeedState {
  /** Which subscription is current: batches of an older one are ignored. */
  run: number;
  /** A subscription should be open (not paused, failed or ended). */
  active: boolean;
  phase: FeedPhase;
  /** Oldest first, at most `keep`. */
  rows: LogEvent[];
  /** Rows removed from the page to stay within `keep`, since the last restart. */
  dropped: number;
  keep: number;
  /** Every event up to here was received (or filtered out); null until the first batch when started at the head. */
  checkpoint: number | null;
  /** Where the view started: a position, or null for the head at opening. */
  startedAfter: number | null;
  filter: LogFilter;
  error: string | null;
}

export type FeedAction =
  | { kind: 'batch'; run: number; batch: Batch }
  | { kind: 'failed'; run: number; message: string }
  | { kind: 'ended'; run: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'filter'; filter: LogFilter }
  | { kind: 'keep'; keep: number };

export function initialFeed(startedAfter: number | null, keep: number): FeedState {
  return {
    run: 0,
    active: true,
    phase: 'connecting',
    rows: [],
    dropped: 0,
    keep,
    checkpoint: startedAfter,
    startedAfter,
    filter: { categories: [], types: [] },
    error: null,
  };
}

function trimmed(state: FeedState): FeedState {
  const excess = state.rows.length - state.keep;
  if (excess <= 0) return state;
  return { ...state, rows: state.rows.slice(excess), dropped: state.dropped + excess };
}

function withBatch(state: FeedState, batch: Batch): FeedState {
  const after = state.checkpoint;
  // graphql-ws may re-subscribe on its own after a dropped connection, with the run's first
  // `after`: events at or before the checkpoint were shown already.
  const fresh = after === null ? batch.events : batch.events.filter((event) => event.position > after);
  return trimmed({
    ...state,
    rows: fresh.length > 0 ? [...state.rows, ...fresh] : state.rows,
    checkpoint: Math.max(after ?? 0, batch.checkpoint),
    phase: batch.caughtUp ? 'live' : 'catching-up',
  });
}

/** A new run after the checkpoint. */
function restarted(state: FeedState): FeedState {
  return { ...state, run: state.run + 1, active: true, phase: 'connecting', error: null };
}

export function reduceFeed(state: FeedState, action: FeedAction): FeedState {
  switch (action.kind) {
    case 'batch':
      return action.run === state.run && state.active ? withBatch(state, action.batch) : state;
    case 'failed':
      return action.run === state.run && state.active
        ? { ...state, active: false, phase: 'failed', error: action.message }
        : state;
    case 'ended':
      return action.run === state.run && state.active ? { ...state, active: false, phase: 'ended' } : state;
    case 'pause':
      return state.active ? { ...state, active: false, phase: 'paused' } : state;
    case 'resume':
      return state.active ? state : restarted(state);
    case 'filter':
      // The rows shown were chosen by the old filter: start the page again under the new one.
      return restarted({ ...state, filter: action.filter, rows: [], dropped: 0 });
    case 'keep':
      return trimmed({ ...state, keep: action.keep });
  }
}

function eventFilter(filter: LogFilter): EventFilter | null {
  if (filter.categories.length === 0 && filter.types.length === 0) return null;
  return {
    ...(filter.categories.length > 0 ? { categories: filter.categories } : {}),
    ...(filter.types.length > 0 ? { types: filter.types } : {}),
  };
}

/** Batches of up to this many events, sent at most this long after their first event arrived. */
const batchSize = 200;
const batchWaitMs = 100;

/** The feed's state and its dispatch; the subscription follows `run` and `active`. */
export function useLogFeed(
  session: Session,
  startedAfter: number | null,
  keep: number,
): [FeedState, (action: FeedAction) => void] {
  const [state, dispatch] = useReducer(reduceFeed, undefined, () => initialFeed(startedAfter, keep));
  // The run's variables are read when it starts; later batches move the checkpoint without
  // restarting it.
  const latest = useRef(state);
  latest.current = state;
  const { run, active } = state;
  useEffect(() => {
    if (!active) return;
    const { checkpoint, filter } = latest.current;
    return session.subscribe(
      ExplorerEventBatchesDocument,
      { after: checkpoint, filter: eventFilter(filter), maxSize: batchSize, maxWaitMs: batchWaitMs },
      {
        next: (data) => dispatch({ kind: 'batch', run, batch: data.eventBatches }),
        error: (error) => dispatch({ kind: 'failed', run, message: error.message }),
        complete: () => dispatch({ kind: 'ended', run }),
      },
    );
  }, [session, run, active]);
  return [state, dispatch];
}
