/**
 * Consumers (#/consumers, #/consumers/<name>): the tenant's durable consumers with their
 * filter, checkpoint, lag, delivery and whether any event is parked; one consumer's page has
 * its parked events and, for a principal with `manage`, replay and reset.
 */
import { ExplorerConsumersDocument } from '../../generated/graphql';
import { ConsumerDetail } from '../components/consumer-detail';
import { describeDelivery, describeFilter } from '../components/consumer-facts';
import { Pager, useCursorPages } from '../components/cursor-pager';
import { DataTable } from '../components/data-table';
import { ErrorAlert } from '../components/error-alert';
import { ReloadBar } from '../components/reload-bar';
import { href, type Route } from '../router';
import { useSession } from '../session';
import { useRequest } from '../use-request';

const pageSize = 50;

const consumerColumns = ['Name', 'Filter', 'Checkpoint', 'Lag', 'Delivery', 'Parked'];

function ConsumerList() {
  const session = useSession();
  const pages = useCursorPages();
  const { after } = pages;
  const { data, error, loading, reload } = useRequest(
    () => session.execute(ExplorerConsumersDocument, { first: pageSize, after }),
    after ?? '',
  );
  const edges = data?.consumers.edges ?? [];
  const pageInfo = data?.consumers.pageInfo;
  return (
    <section aria-labelledby="consumers-title">
      <h1 id="consumers-title">Consumers</h1>
      <ReloadBar loading={loading} onReload={reload} />
      <ErrorAlert message={error} />
      {data && edges.length === 0 && <p>No consumers yet: create one with the createConsumer mutation.</p>}
      {edges.length > 0 && (
        <DataTable class="consumers-table" columns={consumerColumns}>
          {edges.map(({ node }) => (
            <tr key={node.name} data-consumer={node.name}>
              <td>
                <a href={href('consumers', node.name)}>{node.name}</a>
              </td>
              <td>{describeFilter(node.filter)}</td>
              <td class="mono">{node.checkpoint}</td>
              <td class="mono">{node.lag}</td>
              <td>{describeDelivery(node.webhook)}</td>
              <td>{node.parked.edges.length > 0 ? <strong class="error">yes</strong> : 'none'}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager label="Consumer pages" pages={pages} pageInfo={pageInfo} />
    </section>
  );
}

export function ConsumersView(props: { route: Route }) {
  const name = props.route.parts[1];
  return name ? <ConsumerDetail key={name} name={name} /> : <ConsumerList />;
}
