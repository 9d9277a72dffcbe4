/** An event's JSON folded in a <details>, as the Live log and Consumers views show it. */
const previewLength = 60;

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > previewLength ? `${flat.slice(0, previewLength - 1)}…` : flat;
}

/** A JSON value, folded: the summary shows its start, opening shows it indented. */
export function JsonDetails(props: { value: unknown; label: string }) {
  const compact = JSON.stringify(props.value) ?? 'undefined';
  return (
    <details class="json">
      <summary>
        <span class="visually-hidden">{props.label}: </span>
        <code>{preview(compact)}</code>
      </summary>
      <pre class="json">{JSON.stringify(props.value, null, 2)}</pre>
    </details>
  );
}
