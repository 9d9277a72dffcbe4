/**
 * One request's state for a view. While a newer request runs, the last answer stays on screen
 * (a pager's buttons keep their place and the keyboard focus); when the inputs change, the
 * answer of the older request is dropped, so quick clicks never show a page already left.
 */
import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from './api';

export interface Requested<T> {
  loading: boolean;
  /** The last answer, kept while the next request runs. */
  data: T | undefined;
  /** The last request's failure, in words; null when it succeeded or is running. */
  error: string | null;
  reload(): void;
}

/**
 * Runs `request` now and again whenever `key` changes (a string naming everything the request
 * depends on) or `reload` is called.
 */
export function useRequest<T>(request: () => Promise<T>, key: string): Requested<T> {
  const [state, setState] = useState<Omit<Requested<T>, 'reload'>>({
    loading: true,
    data: undefined,
    error: null,
  });
  const [attempt, setAttempt] = useState(0);
  // `key` names what `request` reads: the effect runs again only when that changes.
  useEffect(() => {
    let current = true;
    setState((last) => ({ ...last, loading: true, error: null }));
    request().then(
      (data) => {
        if (current) setState({ loading: false, data, error: null });
      },
      (error: unknown) => {
        if (current) setState((last) => ({ ...last, loading: false, error: errorMessage(error) }));
      },
    );
    return () => {
      current = false;
    };
  }, [key, attempt]);
  return { ...state, reload: () => setAttempt((n) => n + 1) };
}
