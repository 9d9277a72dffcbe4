/**
 * What an append answered, as the API types it: the success (stream, version, positions, links)
 * or the typed error with every field it carries (__typename, message, versions, stream, path).
 */
import type { ExplorerAppendMutation } from '../../generated/graphql';
import { Field } from './field';
import { logFromHref, StreamLink, streamHref } from './stream-link';

export type AppendAnswer = ExplorerAppendMutation['appendEvents'];
type AppendSuccess = Extract<AppendAnswer, { __typename: 'AppendEventsSuccess' }>;
type AppendRefusal = Exclude<AppendAnswer, { __typename: 'AppendEventsSuccess' }>;

export function AppendResult(props: { answer: AppendAnswer }) {
  const { answer } = props;
  return answer.__typename === 'AppendEventsSuccess' ? (
    <AppendSucceeded success={answer} />
  ) : (
    <AppendRefused refusal={answer} />
  );
}

function AppendSucceeded(props: { success: AppendSuccess }) {
  const { stream, events, replayed } = props.success;
  return (
    <div class="result ok" role="status">
      <p>
        <strong>AppendEventsSuccess</strong>: {replayed ? 'a replay, nothing new stored; ' : ''}
        {events.length} {events.length === 1 ? 'event' : 'events'} in <StreamLink stream={stream} />
        {stream.category ? ` (category ${stream.category})` : ' (no category)'}, now at version{' '}
        <strong>{stream.version}</strong>.
      </p>
      <ul>
        {events.map((event) => (
          <li key={event.id}>
            <a href={streamHref(stream, event.version)}>version {event.version}</a>, position{' '}
            <a href={logFromHref(event.position)}>{event.position}</a>, id <code>{event.id}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The fields a refusal carries besides its message, as label and value. */
function refusalFields(refusal: AppendRefusal): [string, string][] {
  const fields: [string, string][] = [];
  if (refusal.__typename === 'WrongExpectedVersionError') {
    fields.push(['expectedVersion', String(refusal.expectedVersion)]);
    fields.push(['actualVersion', String(refusal.actualVersion)]);
  }
  if (refusal.__typename === 'InvalidInputError') {
    fields.push(['path', refusal.path?.join('.') ?? '(none)']);
  } else {
    if (refusal.streamId) fields.push(['streamId', refusal.streamId]);
    fields.push(['category', refusal.category ?? '(none)']);
  }
  return fields;
}

function AppendRefused(props: { refusal: AppendRefusal }) {
  const { refusal } = props;
  return (
    <div class="result error" role="alert">
      <p>
        <strong>{refusal.__typename}</strong>: {refusal.message}
      </p>
      <dl class="fields">
        {refusalFields(refusal).map(([name, value]) => (
          <Field key={name} name={name}>
            <code>{value}</code>
          </Field>
        ))}
      </dl>
    </div>
  );
}
