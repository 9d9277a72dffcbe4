/**
 * One stored event: type, version, position, time, id, and its data and metadata as collapsible
 * JSON, with links to its place in its stream and to its position in the live log. Any view that
 * shows events (a stream's page, the live log) can render it.
 */

import { Field } from './field';
import { JsonView } from './json';
import { logFromHref, type StreamIdentity, StreamLink, streamHref } from './stream-link';
import { When } from './when';

export interface EventCardEvent {
  id: string;
  type: string;
  version: number;
  position: number;
  recordedAt: string;
  data: unknown;
  metadata: unknown;
}

export interface EventCardProps {
  event: EventCardEvent;
  /** The event's stream. */
  stream: StreamIdentity;
  /** Show which stream it belongs to (off on the stream's own page). */
  showStream?: boolean;
  /** The event a link pointed at: marked for the eye and for screen readers. */
  target?: boolean;
}

export function EventCard(props: EventCardProps) {
  const { event, stream } = props;
  return (
    <article
      class={props.target ? 'event-card target' : 'event-card'}
      aria-label={`Event ${event.version}: ${event.type}`}
      aria-current={props.target ? 'true' : undefined}
    >
      <h3>
        <a href={streamHref(stream, event.version)} title="This event in its stream">
          v{event.version}
        </a>{' '}
        <span class="event-type">{event.type}</span>
      </h3>
      <dl class="fields">
        {props.showStream && (
          <Field name="Stream">
            <StreamLink stream={stream} />
          </Field>
        )}
        <Field name="Position">
          <a href={logFromHref(event.position)} title="The live log from this event">
            {event.position}
          </a>
        </Field>
        <Field name="Recorded">
          <When iso={event.recordedAt} />
        </Field>
        <Field name="Id">
          <code>{event.id}</code>
        </Field>
      </dl>
      <JsonView label="data" value={event.data} />
      <JsonView label="metadata" value={event.metadata} openDepth={1} />
    </article>
  );
}
