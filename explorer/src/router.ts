/**
 * Hash routes (#/streams, #/stream/<id>?category=…, #/log, #/consumers, #/append): links are
 * plain anchors, so the back button, new tabs and copied links work, and the gateway serves one
 * page.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The path's parts after "#/": ["stream", "<id>"]. */
  parts: string[];
  params: URLSearchParams;
  /**
   * Counts the navigations (hashchange events). A view that keeps its own state in the address
   * with history.replaceState, which fires none, starts afresh on the next navigation only.
   */
  visit: number;
}

export function parseRoute(hash: string, visit = 0): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts: parts.length > 0 ? parts : ['streams'], params: new URLSearchParams(query), visit };
}

/** A link's href: href('stream', id, { category }) → "#/stream/<id>?category=…". */
export function href(...parts: (string | Record<string, string | number | null | undefined>)[]): string {
  const path = parts.filter((part): part is string => typeof part === 'string').map(encodeURIComponent);
  const params = new URLSearchParams();
  for (const part of parts) {
    if (typeof part === 'string') continue;
    for (const [name, value] of Object.entries(part)) if (value != null) params.set(name, String(value));
  }
  const query = params.toString();
  return `#/${path.join('/')}${query ? `?${query}` : ''}`;
}

/** Puts a view's own state in the address without a navigation: no new history entry, no new view. */
export function replaceAddress(hash: string): void {
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute((previous) => parseRoute(location.hash, previous.visit + 1));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
