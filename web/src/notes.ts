// The person's notifications: the synced `notifications` table (schema v2, read-only), plus
// those the live socket brought that the next pull has not stored yet, less the ones read on
// this device whose read has not reached the server yet. Reads are REST calls
// (POST /notifications/{id}/read); made offline they wait in localStorage and are sent when
// the connection is back, and the pull then brings `read_at`.
import { call, session } from './api';
import { Q, rows, sync, useLocal, type Raw } from './db';
import { online, signal, useSignal } from './signal';

export interface Note { id: string; type: string; title: string; body: string; taskId: string | null; createdAt: number; read: boolean }

// Live notifications not yet pulled, and the newest one shown as a toast.
export const liveNotes = signal<Note[]>([]);
export const toast = signal<Note | null>(null);

export function fromFrame(n: any): Note {
  return {
    id: n.id, type: n.type, title: n.title, body: n.body, taskId: n.data?.taskId ?? null,
    createdAt: Date.parse(n.createdAt), read: n.readAt != null,
  };
}

function fromRow(r: Raw): Note {
  return { id: r.id, type: r.type, title: r.title, body: r.body, taskId: r.task_id || null, createdAt: r.created_at, read: r.read_at != null };
}

export function addLive(n: Note) {
  if (!liveNotes.get().some((x) => x.id === n.id)) liveNotes.set([...liveNotes.get(), n]);
}

const readsKey = () => `gd.reads.${session.get()?.user.id ?? ''}`;
function loadReads(): string[] {
  try { return JSON.parse(localStorage.getItem(readsKey()) || '[]'); } catch { return []; }
}
export const pendingReads = signal<string[]>(loadReads());
session.subscribe(() => pendingReads.set(loadReads()));
export function forgetReads() { saveReads([]); }
function saveReads(ids: string[]) {
  if (ids.length) localStorage.setItem(readsKey(), JSON.stringify(ids)); else localStorage.removeItem(readsKey());
  pendingReads.set(ids);
}

let flushing: Promise<void> | null = null;  // one flush at a time

// From this many reads on, one POST /notifications/read-all instead of one request each (a
// backlog, e.g. after the first pull of the whole table; it also marks any that arrived
// since, which on a backlog that size does not matter).
const READ_ALL_FROM = 20;

// Sends the reads made on this device; a 404 (the notification is gone) counts as done.
export function flushReads(): Promise<void> {
  if (flushing || !navigator.onLine || !session.get() || pendingReads.get().length === 0) return flushing ?? Promise.resolve();
  flushing = (async () => {
    const done: string[] = [];
    const pending = pendingReads.get();
    if (pending.length >= READ_ALL_FROM) {
      try {
        await call('/notifications/read-all', { method: 'POST' });
        done.push(...pending);
      } catch { /* kept for the next try */ }
    } else for (const id of pending) {
      try {
        await call(`/notifications/${id}/read`, { method: 'POST' });
        done.push(id);
      } catch (e: any) {
        if (e?.status === 404 || e?.status === 400) done.push(id); else break;
      }
    }
    // Dropped once the pull has brought `read_at`, so the badge does not flicker meanwhile.
    if (done.length) await sync();
    saveReads(pendingReads.get().filter((id) => !done.includes(id)));
    return pendingReads.get().some((id) => !pending.includes(id));  // marked meanwhile
  })().then((more) => { flushing = null; if (more) void flushReads(); }, () => { flushing = null; });
  return flushing;
}
online.subscribe(() => void flushReads());

export function markRead(ids: string[]) {
  const now = pendingReads.get();
  const add = ids.filter((id) => !now.includes(id));
  if (add.length === 0) return;
  saveReads([...now, ...add]);
  void flushReads();
}

// The list, newest first, as the person should see it now; undefined while loading.
export function useNotes(): Note[] | undefined {
  const live = useSignal(liveNotes);
  const reads = useSignal(pendingReads);
  const stored = useLocal(['notifications'], (d) => rows(d, 'notifications', Q.sortBy('created_at', Q.desc)), []);
  if (!stored) return undefined;
  const seen = new Set(stored.map((r) => r.id));
  const all = [...stored.map(fromRow), ...live.filter((n) => !seen.has(n.id))]
    .map((n) => (reads.includes(n.id) ? { ...n, read: true } : n));
  return all.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}

export function useUnreadCount(): number {
  return (useNotes() ?? []).filter((n) => !n.read).length;
}

// The newest notification id this device knows, for the live socket's `since`.
export async function newestKnown(d: import('@nozbe/watermelondb').Database): Promise<string | undefined> {
  const [top] = await rows(d, 'notifications', Q.sortBy('created_at', Q.desc), Q.take(1));
  const live = liveNotes.get().reduce<Note | null>((a, n) => (!a || n.createdAt > a.createdAt ? n : a), null);
  if (live && (!top || live.createdAt > top.created_at)) return live.id;
  return top?.id;
}
