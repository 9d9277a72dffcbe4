/**
 * The Live log's forms: the filter (categories and types, comma-separated) and "jump to a
 * position" (a navigation to the log's address with that position, the filter and rows kept).
 */
import { useState } from 'preact/hooks';
import { type LogAddress, logAddressHref } from './log-address';
import type { LogFilter } from './log-feed';
import { PositionField, PositionProblem, parsePosition } from './position';

function listOf(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
}

export function FilterForm(props: { filter: LogFilter; onApply(filter: LogFilter): void }) {
  const [categories, setCategories] = useState(props.filter.categories.join(', '));
  const [types, setTypes] = useState(props.filter.types.join(', '));
  return (
    <form
      class="toolbar"
      aria-label="Filter"
      onSubmit={(event) => {
        event.preventDefault();
        props.onApply({ categories: listOf(categories), types: listOf(types) });
      }}
    >
      <div>
        <label for="log-categories">Categories</label>
        <input
          id="log-categories"
          placeholder="all (or: orders, users)"
          value={categories}
          onInput={(event) => setCategories(event.currentTarget.value)}
        />
      </div>
      <div>
        <label for="log-types">Types</label>
        <input
          id="log-types"
          placeholder="all (or: OrderPlaced)"
          value={types}
          onInput={(event) => setTypes(event.currentTarget.value)}
        />
      </div>
      <button type="submit">Apply filter</button>
    </form>
  );
}

export function JumpForm(props: { current: LogAddress }) {
  const { current } = props;
  const [text, setText] = useState(current.after === null ? '' : String(current.after));
  const [invalid, setInvalid] = useState(false);
  return (
    <form
      class="toolbar"
      aria-label="Jump to position"
      onSubmit={(event) => {
        event.preventDefault();
        const position = parsePosition(text);
        setInvalid(position === null);
        if (position !== null) location.hash = logAddressHref({ ...current, after: position });
      }}
    >
      <PositionField
        id="log-after"
        label="Start after position"
        value={text}
        invalid={invalid}
        onInput={setText}
      />
      <button type="submit">Jump</button>
      <a href={logAddressHref({ ...current, after: null })}>From the head</a>
      <PositionProblem fieldId="log-after" invalid={invalid} />
    </form>
  );
}
