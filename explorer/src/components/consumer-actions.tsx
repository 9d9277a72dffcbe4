/**
 * The repairs of a consumer (the `manage` scope): replayParked (all parked events, or some) and
 * resetConsumer, the latter only after a confirmation step. Each shows the typed result: success
 * in role="status", a refusal (InvalidInputError with its path, ConsumerNotFoundError) or a failed
 * request in role="alert".
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import {
  type ExplorerConsumerResultFragment,
  ExplorerReplayParkedDocument,
  ExplorerResetConsumerDocument,
} from '../../generated/graphql';
import { errorMessage } from '../api';
import { useSession } from '../session';
import { ErrorAlert } from './error-alert';
import { PositionField, PositionProblem, parsePosition } from './position';

export interface Outcome {
  ok: boolean;
  text: string;
}

type Changed = Extract<ExplorerConsumerResultFragment, { __typename: 'ConsumerSuccess' }>['consumer'];

function outcomeOf(result: ExplorerConsumerResultFragment, success: (consumer: Changed) => string): Outcome {
  switch (result.__typename) {
    case 'ConsumerSuccess':
      return { ok: true, text: success(result.consumer) };
    case 'InvalidInputError': {
      const where = result.path ? ` (at ${result.path.join('.')})` : '';
      return { ok: false, text: `Refused, InvalidInputError: ${result.message}${where}` };
    }
    case 'ConsumerNotFoundError':
      return { ok: false, text: `Refused, ConsumerNotFoundError: ${result.message}` };
  }
}

export interface ConsumerActions {
  busy: boolean;
  outcome: Outcome | null;
  /** null: every parked event. */
  replay(positions: number[] | null): void;
  reset(after: number): void;
}

export function useConsumerActions(name: string, onChanged: () => void): ConsumerActions {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const run = async (task: () => Promise<Outcome>) => {
    setBusy(true);
    setOutcome(null);
    try {
      const done = await task();
      setOutcome(done);
      if (done.ok) onChanged();
    } catch (error) {
      setOutcome({ ok: false, text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  const replayed = (positions: number[] | null) =>
    positions
      ? `Replayed the parked event at position ${positions.join(', ')}: it is delivered again from attempt 1.`
      : 'Replayed every parked event: they are delivered again from attempt 1.';
  return {
    busy,
    outcome,
    replay: (positions) =>
      void run(async () => {
        const input = { consumer: name, ...(positions ? { positions } : {}) };
        const { replayParked } = await session.execute(ExplorerReplayParkedDocument, { input });
        return outcomeOf(replayParked, () => replayed(positions));
      }),
    reset: (after) =>
      void run(async () => {
        const { resetConsumer } = await session.execute(ExplorerResetConsumerDocument, {
          input: { consumer: name, after },
        });
        return outcomeOf(
          resetConsumer,
          (consumer) => `Reset: the checkpoint is now ${consumer.checkpoint} (lag ${consumer.lag}).`,
        );
      }),
  };
}

/** The last action's result; the status element stays in the page so its changes are announced. */
export function OutcomeLine(props: { outcome: Outcome | null }) {
  const { outcome } = props;
  return (
    <>
      <p role="status" class="ok">
        {outcome?.ok ? outcome.text : ''}
      </p>
      <ErrorAlert message={outcome && !outcome.ok ? outcome.text : null} />
    </>
  );
}

/** "Reset to after position P", then a confirmation naming what will happen. */
export function ResetForm(props: { name: string; checkpoint: number; actions: ConsumerActions }) {
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [pending, setPending] = useState<number | null>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const positionField = useRef<HTMLInputElement>(null);
  // A layout effect runs in the task that shows the confirmation: no moment where it is on
  // screen and Enter still lands on the position field.
  useLayoutEffect(() => {
    if (pending !== null) confirm.current?.focus();
  }, [pending]);
  // The confirmation's buttons vanish once pressed: the focus goes back to the position.
  const closeConfirmation = () => {
    setPending(null);
    positionField.current?.focus();
  };
  return (
    <form
      aria-label="Reset the checkpoint"
      onSubmit={(event) => {
        event.preventDefault();
        const position = parsePosition(text);
        setInvalid(position === null);
        setPending(position);
      }}
    >
      <div class="toolbar">
        <PositionField
          id="reset-after"
          label="Reset to after position"
          value={text}
          invalid={invalid}
          onInput={setText}
          inputRef={positionField}
        />
        <button type="submit" disabled={props.actions.busy}>
          Reset…
        </button>
      </div>
      <PositionProblem fieldId="reset-after" invalid={invalid} />
      {pending !== null && (
        <fieldset class="confirm">
          <legend>Confirm the reset</legend>
          <p>
            Move the checkpoint of <strong>{props.name}</strong> from {props.checkpoint} to {pending}? The
            events after {pending} that its filter selects are delivered again, what is in flight is dropped,
            and parked events stay parked.
          </p>
          <div class="toolbar">
            <button
              type="button"
              ref={confirm}
              onClick={() => {
                props.actions.reset(pending);
                closeConfirmation();
              }}
            >
              Confirm reset
            </button>
            <button type="button" onClick={closeConfirmation}>
              Cancel
            </button>
          </div>
        </fieldset>
      )}
    </form>
  );
}
