/** A failure in words, announced to screen readers (role="alert"); nothing when there is none. */
export function ErrorAlert(props: { message: string | null | undefined; id?: string }) {
  if (!props.message) return null;
  return (
    <p id={props.id} role="alert" class="error">
      {props.message}
    </p>
  );
}
