/**
 * The explorer's shell: checks the credential (Query.viewer), asks for one when the gateway
 * needs it or refused it, then shows the navigation and the view the hash names.
 */
import { useEffect, useState } from 'preact/hooks';
import { ExplorerViewerDocument } from '../generated/graphql';
import { ApiError, errorMessage, execute } from './api';
import { saveCredential, savedCredential } from './credential';
import { type Route, useRoute } from './router';
import { createSession, type Session, SessionContext } from './session';
import { SignIn } from './sign-in';
import { AppendView } from './views/append';
import { ConsumersView } from './views/consumers';
import { LiveLogView } from './views/live-log';
import { StreamView } from './views/stream';
import { StreamsView } from './views/streams';

type State =
  | { phase: 'checking' }
  | { phase: 'sign-in'; message: string | null }
  | { phase: 'ready'; session: Session };

async function signIn(credential: string | null): Promise<State> {
  try {
    const { viewer } = await execute(ExplorerViewerDocument, {}, credential);
    saveCredential(credential);
    return { phase: 'ready', session: createSession(credential, viewer) };
  } catch (error) {
    // Without a credential, a refusal only means one is needed: no error to show yet.
    const firstVisit = credential === null && error instanceof ApiError && error.status === 401;
    return { phase: 'sign-in', message: firstVisit ? null : errorMessage(error) };
  }
}

const views: Record<string, (props: { route: Route }) => preact.JSX.Element> = {
  streams: StreamsView,
  stream: StreamView,
  log: LiveLogView,
  consumers: ConsumersView,
  append: AppendView,
};

/** The navigation's link a view belongs under, when it has none of its own: a stream's page is under Streams. */
const navSections: Record<string, string> = { stream: 'streams' };

/**
 * How a navigation link marks where the person is: "page" on the view it opens, "true" on a page
 * within it (a stream under Streams, a consumer under Consumers), nothing elsewhere.
 */
function currentMark(route: Route, link: string): 'page' | 'true' | undefined {
  const view = route.parts[0] ?? 'streams';
  if ((navSections[view] ?? view) !== link) return undefined;
  return view === link && route.parts.length === 1 ? 'page' : 'true';
}

function Shell(props: { session: Session; onSignOut(): void }) {
  const route = useRoute();
  const View = views[route.parts[0] ?? 'streams'];
  const { viewer } = props.session;
  const current = (link: string) => currentMark(route, link);
  return (
    <SessionContext.Provider value={props.session}>
      <header class="top">
        <strong>eventloom explorer</strong>
        <nav aria-label="Views">
          <a href="#/streams" aria-current={current('streams')}>
            Streams
          </a>
          <a href="#/log" aria-current={current('log')}>
            Live log
          </a>
          {props.session.can('manage') && (
            <a href="#/consumers" aria-current={current('consumers')}>
              Consumers
            </a>
          )}
          {props.session.can('append') && (
            <a href="#/append" aria-current={current('append')}>
              Append
            </a>
          )}
        </nav>
        <span class="who">
          tenant <code>{viewer.tenant}</code>
          {props.session.credential && (
            <button type="button" onClick={props.onSignOut}>
              Forget key
            </button>
          )}
        </span>
      </header>
      <main>{View ? <View route={route} /> : <p role="alert">No such view: {route.parts.join('/')}</p>}</main>
    </SessionContext.Provider>
  );
}

export function App() {
  const [state, setState] = useState<State>({ phase: 'checking' });
  useEffect(() => {
    void signIn(savedCredential()).then(setState);
  }, []);
  if (state.phase === 'checking') return <p class="loading">Connecting to the gateway…</p>;
  if (state.phase === 'sign-in') {
    return (
      <SignIn
        message={state.message}
        onSubmit={(credential) => {
          setState({ phase: 'checking' });
          void signIn(credential).then(setState);
        }}
      />
    );
  }
  return (
    <Shell
      session={state.session}
      onSignOut={() => {
        saveCredential(null);
        setState({ phase: 'sign-in', message: null });
      }}
    />
  );
}
