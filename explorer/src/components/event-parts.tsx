/**
 * Small pieces the Live log and Consumers views show for an event: its stream as a link, its
 * time, and its JSON folded in a <details> (a plain <pre> until the shared JSON component,
 * explorer/src/components/json.tsx, is on main).
 */
import { href } from '../router';

export interface StreamOfEvent {
  id: string;
  name: string | null;
  category: string | null;
}

/** The stream's page (#/stream/<id>?category=…), named by its name when it has one. */
export function StreamLink(props: { stream: StreamOfEvent }) {
  const { id, name, category } = props.stream;
  return (
    <a href={href('stream', id, { category })} title={`stream ${id}`}>
      {category ? <span class="muted">{category} / </span> : null}
      {name ?? <code>{id}</code>}
    </a>
  );
}

/** An ISO date-time as "2026-12-01 01:45:04.123Z", in a <time> element. */
export function Time(props: { iso: string }) {
  return <time dateTime={props.iso}>{props.iso.replace('T', ' ')}</time>;
}

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
