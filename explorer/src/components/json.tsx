/**
 * Readable, collapsible JSON (events' data and metadata, snapshots): each object and array is a
 * <details> whose summary says what it holds, so a long payload folds to one line and opens with
 * the keyboard (Enter/Space on the summary) without any script of ours. Values stay as JSON
 * writes them (strings quoted), so what a person reads is what a client receives.
 */
export interface JsonViewProps {
  value: unknown;
  /** Named in the outer summary, e.g. "data" or "metadata". */
  label?: string;
  /** Objects and arrays nested less deep than this start open (default 2: the top two levels). */
  openDepth?: number;
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

function Node(props: { value: unknown; name: string | null; depth: number; openDepth: number }) {
  const container = containerOf(props.value);
  const name = props.name === null ? null : <span class="json-key">{props.name}: </span>;
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
      </summary>
      <ul class="json-entries">
        {container.entries.map(([key, child]) => (
          <li key={key}>
            <Node
              value={child}
              name={container.kind === 'object' ? JSON.stringify(key) : key}
              depth={props.depth + 1}
              openDepth={props.openDepth}
            />
          </li>
        ))}
      </ul>
    </details>
  );
}

/** One JSON value: a scalar inline, an object or array as nested <details>. */
export function JsonView(props: JsonViewProps) {
  return (
    <div class="json-view">
      <Node value={props.value} name={props.label ?? null} depth={0} openDepth={props.openDepth ?? 2} />
    </div>
  );
}
