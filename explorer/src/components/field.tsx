/**
 * One fact of a `<dl class="fields">` (a stream's head, an event, a consumer, a refused append):
 * its name and value in their own box, so the list flows into as many columns as the window holds.
 */
import type { ComponentChildren } from 'preact';

export function Field(props: { name: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{props.name}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}
