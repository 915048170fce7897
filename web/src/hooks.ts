import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api';

export interface Async<T> { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void }

/** Loads data and reloads it on demand; keeps the last data while reloading so the page does not flicker. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  // The caller's deps decide when to load again, as with useEffect.
  const stableLoad = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setLoading(true);
    stableLoad().then(
      d => { if (live) { setData(d); setError(undefined); setLoading(false); } },
      (e: unknown) => { if (live) { setError(toApiError(e)); setLoading(false); } },
    );
    return () => { live = false; };
  }, [stableLoad, version]);
  const reload = useCallback(() => setVersion(v => v + 1), []);
  return { data, error, loading, reload };
}

export const toApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, 'Unexpected error', e instanceof Error ? e.message : String(e)));

/**
 * Subscribes to a Server-Sent Events stream; EventSource reconnects by itself after a drop.
 * `connected` tells the UI whether updates are live.
 */
export function useEventStream<T>(url: string | null, eventType: string, onEvent: (data: T) => void) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!url || typeof EventSource === 'undefined') return;
    const source = new EventSource(url);
    const listener = (e: MessageEvent<string>) => handler.current(JSON.parse(e.data) as T);
    source.addEventListener(eventType, listener as EventListener);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    return () => { source.removeEventListener(eventType, listener as EventListener); source.close(); setConnected(false); };
  }, [url, eventType]);
  return connected;
}

/** Re-renders every `ms` milliseconds, for clocks and countdowns. */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** Calls `fn` every `ms` milliseconds while mounted. */
export function useInterval(fn: () => void, ms: number) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
