/** A page's Reload button and, beside it, whether a request runs (announced: role="status"). */
export function ReloadBar(props: { loading: boolean; onReload(): void }) {
  return (
    <div class="toolbar">
      <button type="button" onClick={props.onReload}>
        Reload
      </button>
      <span role="status">{props.loading ? 'Loading…' : ''}</span>
    </div>
  );
}
