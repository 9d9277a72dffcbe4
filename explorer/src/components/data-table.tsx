/**
 * The shape every table of the explorer shares: a box that scrolls sideways in a narrow window
 * (the page itself never does), a header cell per column, and an optional caption, shown or for
 * screen readers only. Rows are the caller's.
 */
import type { ComponentChildren } from 'preact';

export function DataTable(props: {
  /** The table's own class, for its column styles (and tests). */
  class: string;
  columns: readonly string[];
  caption?: string;
  /** The caption is for screen readers only (a heading above already says it for the eye). */
  captionHidden?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={props.class}>
        {props.caption && (
          <caption class={props.captionHidden ? 'visually-hidden' : 'hint'}>{props.caption}</caption>
        )}
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
