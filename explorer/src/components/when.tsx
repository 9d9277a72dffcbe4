/** A DateTime in the reader's locale; the exact value (ISO 8601) on hover and for machines. */
export function When(props: { iso: string }) {
  return (
    <time dateTime={props.iso} title={props.iso}>
      {new Date(props.iso).toLocaleString()}
    </time>
  );
}
