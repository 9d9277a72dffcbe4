/**
 * A query's answer for a view: loads when `key` changes (and on `reload()`), keeps the last data
 * while a reload runs so the page does not blank, and turns a failure into words for
 * role="alert". An answer that arrives after a newer request started is dropped.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message;
  return String(error);
}

export function useLoad<T>(load: (key: string) => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({ data: null, error: null, loading: true });
  const [request, setRequest] = useState({ key, count: 0 });
  const latest = useRef(load);
  latest.current = load;
  if (request.key !== key) setRequest({ key, count: request.count + 1 });
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    latest.current(request.key).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        current && setState((previous) => ({ ...previous, error: messageOf(error), loading: false })),
    );
    return () => {
      current = false;
    };
  }, [request]);
  return { ...state, reload: () => setRequest((previous) => ({ ...previous, count: previous.count + 1 })) };
}
