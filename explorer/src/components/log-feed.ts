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
  ExplorerHeadDocument,
} from '../../generated/graphql';
import { errorMessage } from '../api';
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
  | { kind: 'keep'; keep: number }
  | { kind: 'anchor'; run: number; after: number };

export function initialFeed(startedAfter: number | null, keep: number, filter: LogFilter): FeedState {
  return {
    run: 0,
    active: true,
    phase: 'connecting',
    rows: [],
    dropped: 0,
    keep,
    checkpoint: startedAfter,
    startedAfter,
    filter,
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

type RunAction = Extract<FeedAction, { run: number }>;

/** What the current run's subscription reports; a finished run's late reports change nothing. */
function reduceRunAction(state: FeedState, action: RunAction): FeedState {
  if (action.run !== state.run || !state.active) return state;
  switch (action.kind) {
    case 'batch':
      return withBatch(state, action.batch);
    case 'failed':
      return { ...state, active: false, phase: 'failed', error: action.message };
    case 'ended':
      return { ...state, active: false, phase: 'ended' };
    case 'anchor':
      return state.checkpoint === null ? { ...state, checkpoint: action.after } : state;
  }
}

export function reduceFeed(state: FeedState, action: FeedAction): FeedState {
  if ('run' in action) return reduceRunAction(state, action);
  switch (action.kind) {
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
  filter: LogFilter,
): [FeedState, (action: FeedAction) => void] {
  const [state, dispatch] = useReducer(reduceFeed, undefined, () => initialFeed(startedAfter, keep, filter));
  // The run's variables are read when it starts; later batches move the checkpoint without
  // restarting it.
  const latest = useRef(state);
  latest.current = state;
  const { run, active } = state;
  useEffect(() => {
    if (!active) return;
    const { checkpoint, filter } = latest.current;
    let stop: (() => void) | undefined;
    let cancelled = false;
    const start = (after: number) => {
      if (cancelled) return;
      stop = session.subscribe(
        ExplorerEventBatchesDocument,
        { after, filter: eventFilter(filter), maxSize: batchSize, maxWaitMs: batchWaitMs },
        {
          next: (data) => dispatch({ kind: 'batch', run, batch: data.eventBatches }),
          error: (error) => dispatch({ kind: 'failed', run, message: error.message }),
          complete: () => dispatch({ kind: 'ended', run }),
        },
      );
    };
    // Always an explicit `after`: graphql-ws renews a subscription after a dropped connection
    // with the same variables, which must not mean "the head by then" (events in between lost).
    if (checkpoint !== null) start(checkpoint);
    else {
      session.execute(ExplorerHeadDocument, {}).then(
        ({ head }) => {
          dispatch({ kind: 'anchor', run, after: head });
          start(head);
        },
        (error: unknown) => dispatch({ kind: 'failed', run, message: errorMessage(error) }),
      );
    }
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [session, run, active]);
  return [state, dispatch];
}
