/**
 * One consumer's page (#/consumers/<name>): its settings, checkpoint and lag, its parked events
 * (paged), and for a principal with `manage` the repairs (consumer-actions.tsx). After a repair
 * the page reads the consumer again from the first page of parked events.
 */
import { useRef, useState } from 'preact/hooks';
import { ExplorerConsumerDocument } from '../../generated/graphql';
import { href } from '../router';
import { useSession } from '../session';
import { useRequest } from '../use-request';
import { OutcomeLine, ResetForm, useConsumerActions } from './consumer-actions';
import { type ConsumerSummary, describeDelivery, describeFilter } from './consumer-facts';
import { Pager, useCursorPages } from './cursor-pager';
import { ErrorAlert } from './error-alert';
import { Field } from './field';
import { FocusKeepingButton } from './focus-keeping-button';
import { ParkedTable, useFocusAfterReplay } from './parked-table';
import { ReloadBar } from './reload-bar';
import { logAfterHref } from './stream-link';
import { When } from './when';

const pageSizes = [10, 25, 100];

function Facts(props: { consumer: ConsumerSummary }) {
  const { consumer } = props;
  return (
    <dl class="fields">
      <Field name="Filter">{describeFilter(consumer.filter)}</Field>
      <Field name="Checkpoint">
        <span class="mono" data-fact="checkpoint">
          {consumer.checkpoint}
        </span>{' '}
        (<a href={logAfterHref(consumer.checkpoint)}>the log after it</a>)
      </Field>
      <Field name="Lag">
        <span class="mono" data-fact="lag">
          {consumer.lag}
        </span>{' '}
        positions behind the head
      </Field>
      <Field name="Delivery">{describeDelivery(consumer.webhook)}</Field>
      <Field name="Attempts">
        parked after {consumer.maxAttempts} failed {consumer.maxAttempts === 1 ? 'attempt' : 'attempts'}; ack
        timeout {consumer.ackTimeoutMs} ms
      </Field>
      <Field name="Created">
        <When iso={consumer.createdAt} />
      </Field>
    </dl>
  );
}

export function ConsumerDetail(props: { name: string }) {
  const session = useSession();
  const pages = useCursorPages();
  const [size, setSize] = useState(pageSizes[0] ?? 10);
  const { data, error, loading, reload } = useRequest(
    () => session.execute(ExplorerConsumerDocument, { name: props.name, first: size, after: pages.after }),
    `${size} ${pages.after ?? ''}`,
  );
  const actions = useConsumerActions(props.name, () => {
    pages.restart();
    reload();
  });
  const consumer = data?.consumer;
  const parked = consumer?.parked.edges.map((edge) => edge.node) ?? [];
  const canManage = session.can('manage');
  const parkedHeading = useRef<HTMLHeadingElement>(null);
  const replaying = useFocusAfterReplay(parked, parkedHeading);
  return (
    <section aria-labelledby="consumer-title">
      <p>
        <a href={href('consumers')}>All consumers</a>
      </p>
      <h1 id="consumer-title">
        Consumer <code>{props.name}</code>
      </h1>
      <ReloadBar loading={loading} onReload={reload} />
      <ErrorAlert message={error} />
      {data && !consumer && (
        <p class="error" role="alert">
          No consumer is named "{props.name}" in this tenant.
        </p>
      )}
      {consumer && <Facts consumer={consumer} />}
      {consumer && canManage && (
        <section aria-labelledby="consumer-repairs">
          <h2 id="consumer-repairs">Repair</h2>
          <div class="toolbar">
            <FocusKeepingButton disabled={actions.busy} onClick={() => actions.replay(null)}>
              Replay all parked events
            </FocusKeepingButton>
          </div>
          <ResetForm name={consumer.name} checkpoint={consumer.checkpoint} actions={actions} />
          <OutcomeLine outcome={actions.outcome} />
        </section>
      )}
      {consumer && (
        <section aria-labelledby="consumer-parked">
          <h2 id="consumer-parked" tabIndex={-1} ref={parkedHeading}>
            Parked events
          </h2>
          <div class="toolbar">
            <div>
              <label for="parked-size">Per page</label>
              <select
                id="parked-size"
                value={String(size)}
                onChange={(event) => {
                  setSize(Number(event.currentTarget.value));
                  pages.restart();
                }}
              >
                {pageSizes.map((choice) => (
                  <option key={choice} value={String(choice)}>
                    {choice}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {parked.length === 0 ? (
            <p>{pages.number > 1 ? 'No more parked events.' : 'No parked events.'}</p>
          ) : (
            <ParkedTable
              parked={parked}
              busy={actions.busy}
              onReplay={
                canManage
                  ? (position) => {
                      replaying(position);
                      actions.replay([position]);
                    }
                  : null
              }
            />
          )}
          <Pager label="Parked event pages" pages={pages} pageInfo={consumer.parked.pageInfo} />
        </section>
      )}
    </section>
  );
}
