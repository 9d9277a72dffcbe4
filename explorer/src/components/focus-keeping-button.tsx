/**
 * A button that can become unavailable while it has the keyboard focus: "Next page" once the last
 * page is shown, a form's button while the form is sent. A `disabled` button drops the focus to
 * the page, and the person using the keyboard loses their place; this one stays focusable, says
 * it is unavailable (aria-disabled) and does nothing when pressed (a submit is cancelled too).
 */
import type { ComponentChildren } from 'preact';

export function FocusKeepingButton(props: {
  disabled: boolean;
  onClick?: () => void;
  type?: 'button' | 'submit';
  /** The accessible name, when the text alone is ambiguous ("Replay" in each row). */
  label?: string;
  children: ComponentChildren;
}) {
  return (
    <button
      type={props.type ?? 'button'}
      aria-disabled={props.disabled ? 'true' : undefined}
      aria-label={props.label}
      onClick={(event) => {
        if (props.disabled) event.preventDefault();
        else props.onClick?.();
      }}
    >
      {props.children}
    </button>
  );
}
