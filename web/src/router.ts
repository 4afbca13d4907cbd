// History-API routing: the server answers every app route with index.html.
import { signal } from './signal';

export const path = signal(location.pathname);
window.addEventListener('popstate', () => path.set(location.pathname));

export function go(to: string) {
  if (to === location.pathname) return;
  history.pushState(null, '', to);
  path.set(to);
  window.scrollTo(0, 0);
  document.getElementById('main')?.focus();
}

// Plain links that route inside the app (keyboard and middle-click behave as links do).
export function onLink(e: MouseEvent) {
  const a = (e.target as HTMLElement).closest('a');
  if (!a || a.target || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/')) return;
  e.preventDefault();
  go(url.pathname);
}
