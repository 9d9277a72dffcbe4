/**
 * The Append view (#/append[?stream=…&category=…&expectedVersion=…], for development): one event
 * to one stream through appendEvents, showing the typed answer. JSON that does not parse is
 * refused here, with a message at its field, and never sent.
 */
import { useState } from 'preact/hooks';
import { type AppendEventsInput, type EventInput, ExplorerAppendDocument } from '../../generated/graphql';
import { errorMessage } from '../api';
import { type AppendAnswer, AppendResult } from '../components/append-result';
import { ErrorAlert } from '../components/error-alert';
import { FocusKeepingButton } from '../components/focus-keeping-button';
import { streamRefOf } from '../components/stream-link';
import type { Route } from '../router';
import { useSession } from '../session';

interface FormValues {
  stream: string;
  category: string;
  type: string;
  data: string;
  metadata: string;
  expectedVersion: string;
}

type Problems = Partial<Record<'data' | 'metadata' | 'expectedVersion', string>>;

type Outcome = { answer: AppendAnswer } | { failure: string } | null;

function parseJson(text: string, field: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: `${field} is not valid JSON: ${errorMessage(error)}` };
  }
}

/** The mutation's input, or what is wrong with the form. */
function inputOf(values: FormValues): { input: AppendEventsInput } | { problems: Problems } {
  const problems: Problems = {};
  const data = parseJson(values.data, 'Data');
  if ('problem' in data) problems.data = data.problem;
  const metadata = values.metadata.trim() ? parseJson(values.metadata, 'Metadata') : { value: undefined };
  if ('problem' in metadata) problems.metadata = metadata.problem;
  const expected = values.expectedVersion.trim();
  const expectedVersion = expected === '' ? undefined : Number(expected);
  if (expectedVersion !== undefined && !(Number.isSafeInteger(expectedVersion) && expectedVersion >= 0)) {
    problems.expectedVersion =
      'The expected version is a whole number from 0 (0: the stream must not exist).';
  }
  if (!('value' in data) || !('value' in metadata) || problems.expectedVersion) return { problems };
  const event: EventInput = { type: values.type, data: data.value };
  if (metadata.value !== undefined) event.metadata = metadata.value;
  return {
    input: {
      stream: streamRefOf(values.stream, values.category.trim() || null),
      events: [event],
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
    },
  };
}

export function AppendView(props: { route: Route }) {
  const session = useSession();
  if (!session.can('append')) {
    return (
      <p role="alert" class="error">
        This key or token may not append (it lacks the append scope).
      </p>
    );
  }
  // Another address (e.g. "Append to this stream" from another stream) starts a fresh form.
  return <AppendForm key={props.route.params.toString()} params={props.route.params} />;
}

function AppendForm(props: { params: URLSearchParams }) {
  const session = useSession();
  const [values, setValues] = useState<FormValues>(() => ({
    stream: props.params.get('stream') ?? '',
    category: props.params.get('category') ?? '',
    type: '',
    data: '{}',
    metadata: '',
    expectedVersion: props.params.get('expectedVersion') ?? '',
  }));
  const [problems, setProblems] = useState<Problems>({});
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [sending, setSending] = useState(false);
  const set = (name: keyof FormValues) => (event: { currentTarget: { value: string } }) =>
    setValues((last) => ({ ...last, [name]: event.currentTarget.value }));

  const submit = async (event: Event) => {
    event.preventDefault();
    if (sending) return;
    const built = inputOf(values);
    setProblems('problems' in built ? built.problems : {});
    if ('problems' in built) return;
    setSending(true);
    try {
      const { appendEvents } = await session.execute(ExplorerAppendDocument, { input: built.input });
      setOutcome({ answer: appendEvents });
      // The next append to a versioned stream expects the version this one reached.
      if (appendEvents.__typename === 'AppendEventsSuccess' && built.input.expectedVersion != null) {
        setValues((last) => ({ ...last, expectedVersion: String(appendEvents.stream.version) }));
      }
    } catch (error) {
      setOutcome({ failure: errorMessage(error) });
    } finally {
      setSending(false);
    }
  };

  return (
    <section aria-labelledby="append-heading">
      <h1 id="append-heading">Append an event</h1>
      <form class="append-form" onSubmit={submit}>
        <TextField
          id="append-stream"
          label="Stream (name or id)"
          value={values.stream}
          onInput={set('stream')}
          required
        />
        <TextField
          id="append-category"
          label="Category (empty: none)"
          value={values.category}
          onInput={set('category')}
        />
        <TextField id="append-type" label="Event type" value={values.type} onInput={set('type')} required />
        <JsonField
          id="append-data"
          label="Data (JSON)"
          value={values.data}
          onInput={set('data')}
          problem={problems.data}
        />
        <JsonField
          id="append-metadata"
          label="Metadata (JSON, optional)"
          value={values.metadata}
          onInput={set('metadata')}
          problem={problems.metadata}
        />
        <TextField
          id="append-expected-version"
          label="Expected version (empty: none)"
          value={values.expectedVersion}
          onInput={set('expectedVersion')}
          problem={problems.expectedVersion}
          inputMode="numeric"
        />
        <p class="hint">
          A versioned stream needs it on every append; after a success it moves to the version reached.
        </p>
        <FocusKeepingButton type="submit" disabled={sending}>
          {sending ? 'Appending…' : 'Append'}
        </FocusKeepingButton>
      </form>
      {outcome && 'answer' in outcome && <AppendResult answer={outcome.answer} />}
      {outcome && 'failure' in outcome && (
        <p role="alert" class="result error">
          {outcome.failure}
        </p>
      )}
    </section>
  );
}

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onInput(event: { currentTarget: { value: string } }): void;
  problem?: string | undefined;
}

function TextField(props: FieldProps & { required?: boolean; inputMode?: 'numeric' }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        onInput={props.onInput}
        required={props.required}
        inputMode={props.inputMode}
        autocomplete="off"
        aria-invalid={props.problem ? 'true' : undefined}
        aria-describedby={props.problem ? `${props.id}-problem` : undefined}
      />
      {/* Tied to the field (aria-describedby) and announced when it appears. */}
      <ErrorAlert id={`${props.id}-problem`} message={props.problem} />
    </div>
  );
}

function JsonField(props: FieldProps) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        rows={5}
        spellcheck={false}
        class="mono"
        value={props.value}
        onInput={props.onInput}
        aria-invalid={props.problem ? 'true' : undefined}
        aria-describedby={props.problem ? `${props.id}-problem` : undefined}
      />
      {/* Tied to the field (aria-describedby) and announced when it appears. */}
      <ErrorAlert id={`${props.id}-problem`} message={props.problem} />
    </div>
  );
}
