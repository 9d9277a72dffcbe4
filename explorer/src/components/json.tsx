/**
 * Readable, collapsible JSON (events' data and metadata, snapshots): each object and array is a
 * <details> whose summary says what it holds, so a long payload folds to one line and opens with
 * the keyboard (Enter/Space on the summary) without any script of ours. Values stay as JSON
 * writes them (strings quoted), so what a person reads is what a client receives.
 */
import type { ComponentChildren } from 'preact';

export interface JsonViewProps {
  value: unknown;
  /** Named in the outer summary, e.g. "data" or "metadata". */
  label?: string;
  /**
   * Said to screen readers before the outer summary, not shown: which value this is where the
   * page shows many (a table's column header names it for the eye), e.g. "Data of the event at 12".
   */
  hiddenLabel?: string;
  /** Objects and arrays nested less deep than this start open (default 2: the top two levels). */
  openDepth?: number;
  /** The folded outer summary shows the value's start, as one line (for tables' rows). */
  preview?: boolean;
}

type Container =
  | { kind: 'object'; entries: [string, unknown][] }
  | { kind: 'array'; entries: [string, unknown][] };

function containerOf(value: unknown): Container | null {
  if (Array.isArray(value))
    return { kind: 'array', entries: value.map((item, index) => [String(index), item]) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'object', entries: Object.entries(value as Record<string, unknown>) };
  }
  return null;
}

function scalarClass(value: unknown): string {
  if (value === null) return 'json-null';
  return `json-${typeof value}`;
}

/** A scalar as JSON writes it; undefined (never in JSON from the API) shows as a word. */
function Scalar(props: { value: unknown }) {
  const text = props.value === undefined ? 'undefined' : JSON.stringify(props.value);
  return <span class={scalarClass(props.value)}>{text}</span>;
}

function summaryOf(container: Container): string {
  const count = container.entries.length;
  if (container.kind === 'array') return `[${count} ${count === 1 ? 'item' : 'items'}]`;
  return `{${count} ${count === 1 ? 'key' : 'keys'}}`;
}

const previewLength = 60;

/** The value as one line of JSON, cut at `previewLength` characters. */
function previewOf(value: unknown): string {
  const compact = JSON.stringify(value) ?? 'undefined';
  return compact.length > previewLength ? `${compact.slice(0, previewLength - 1)}…` : compact;
}

interface NodeProps {
  value: unknown;
  /** What goes before the value: its key, or the outer labels. */
  name: ComponentChildren;
  depth: number;
  openDepth: number;
  preview: boolean;
}

function Node(props: NodeProps) {
  const container = containerOf(props.value);
  const { name } = props;
  if (!container) {
    return (
      <>
        {name}
        <Scalar value={props.value} />
      </>
    );
  }
  if (container.entries.length === 0) {
    return (
      <>
        {name}
        <span class="json-empty">{container.kind === 'array' ? '[]' : '{}'}</span>
      </>
    );
  }
  return (
    <details class="json" open={props.depth < props.openDepth}>
      <summary>
        {name}
        <span class="json-count">{summaryOf(container)}</span>
        {props.preview && props.depth === 0 && <code class="json-preview">{previewOf(props.value)}</code>}
      </summary>
      <ul class="json-entries">
        {container.entries.map(([key, child]) => (
          <li key={key}>
            <Node
              value={child}
              name={<span class="json-key">{container.kind === 'object' ? JSON.stringify(key) : key}: </span>}
              depth={props.depth + 1}
              openDepth={props.openDepth}
              preview={false}
            />
          </li>
        ))}
      </ul>
    </details>
  );
}

/** One JSON value: a scalar inline, an object or array as nested <details>. */
export function JsonView(props: JsonViewProps) {
  const name = (
    <>
      {props.hiddenLabel && <span class="visually-hidden">{props.hiddenLabel}: </span>}
      {props.label && <span class="json-key">{props.label}: </span>}
    </>
  );
  return (
    <div class="json-view">
      <Node
        value={props.value}
        name={name}
        depth={0}
        openDepth={props.openDepth ?? 2}
        preview={props.preview ?? false}
      />
    </div>
  );
}
