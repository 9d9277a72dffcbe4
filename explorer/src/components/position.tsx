/**
 * A log position typed by a person (the live log's "Start after position", a consumer's reset):
 * the parse, the field and the message when it is not a position, the same in both forms.
 */
import type { Ref } from 'preact';
import { ErrorAlert } from './error-alert';

/** A whole number from 0 (up to 2^53-1), or null. */
export function parsePosition(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) ? value : null;
}

const problemId = (fieldId: string) => `${fieldId}-error`;

/** The labelled field; when `invalid`, marked so and described by its PositionProblem. */
export function PositionField(props: {
  id: string;
  label: string;
  value: string;
  invalid: boolean;
  onInput(text: string): void;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        ref={props.inputRef ?? null}
        inputMode="numeric"
        value={props.value}
        aria-invalid={props.invalid}
        aria-describedby={props.invalid ? problemId(props.id) : undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
    </div>
  );
}

/** Why the field's text was refused, announced when it appears. */
export function PositionProblem(props: { fieldId: string; invalid: boolean }) {
  return (
    <ErrorAlert
      id={problemId(props.fieldId)}
      message={props.invalid ? 'A position is a whole number from 0.' : null}
    />
  );
}
