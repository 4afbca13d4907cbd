// A value that components re-render on (useSignal): the app's few pieces of global state
// (language, session, path, online, live notifications) without a state library.
import { useEffect, useState } from 'preact/hooks';

export interface Signal<T> { get(): T; set(v: T): void; subscribe(f: () => void): () => void }

export function signal<T>(value: T): Signal<T> {
  const subs = new Set<() => void>();
  return {
    get: () => value,
    set(v: T) { value = v; subs.forEach((f) => f()); },
    subscribe(f) { subs.add(f); return () => subs.delete(f); },
  };
}

export function useSignal<T>(s: Signal<T>): T {
  const [, bump] = useState(0);
  useEffect(() => s.subscribe(() => bump((n) => n + 1)), [s]);
  return s.get();
}

// Whether the browser thinks it has a connection.
export const online = signal(navigator.onLine);
window.addEventListener('online', () => online.set(true));
window.addEventListener('offline', () => online.set(false));
