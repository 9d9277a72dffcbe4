/** A stream's head fields and its latest snapshot, as the stream's page shows them. */
import type { ExplorerStreamQuery } from '../../generated/graphql';
import { href } from '../router';
import { Field } from './field';
import { JsonView } from './json';
import { categoryHref } from './stream-link';
import { When } from './when';

export type LoadedStream = NonNullable<ExplorerStreamQuery['stream']>;

function appendHref(stream: LoadedStream): string {
  // A versioned stream needs the expected version: offer the current one.
  return href('append', {
    stream: stream.id,
    category: stream.category,
    expectedVersion: stream.versioned ? stream.version : undefined,
  });
}

export function StreamHead(props: { stream: LoadedStream; canAppend: boolean; onRefresh(): void }) {
  const { stream } = props;
  return (
    <section aria-labelledby="stream-heading" class="stream-head">
      <h1 id="stream-heading">
        <span class="hint">Stream </span>
        {stream.name ?? stream.id}
      </h1>
      <dl class="fields">
        <Field name="Id">
          <code>{stream.id}</code>
        </Field>
        <Field name="Category">
          <a href={categoryHref(stream.category)}>{stream.category ?? '(no category)'}</a>
        </Field>
        <Field name="Version">{stream.version}</Field>
        <Field name="Versioned">{stream.versioned ? 'yes: appends give the expected version' : 'no'}</Field>
        <Field name="Created">
          <When iso={stream.createdAt} />
        </Field>
        <Field name="Updated">
          <When iso={stream.updatedAt} />
        </Field>
      </dl>
      <p class="actions">
        <button type="button" onClick={props.onRefresh}>
          Refresh
        </button>
        {props.canAppend && <a href={appendHref(stream)}>Append to this stream</a>}
      </p>
    </section>
  );
}

export function SnapshotSection(props: { snapshot: LoadedStream['snapshot'] }) {
  const { snapshot } = props;
  return (
    <section aria-labelledby="snapshot-heading">
      <h2 id="snapshot-heading">Latest snapshot</h2>
      {snapshot ? (
        <>
          <p>
            Version <strong>{snapshot.version}</strong>, type <code>{snapshot.type}</code>, saved{' '}
            <When iso={snapshot.createdAt} />
          </p>
          <JsonView label="data" value={snapshot.data} openDepth={1} />
        </>
      ) : (
        <p class="hint">No snapshot saved.</p>
      )}
    </section>
  );
}
