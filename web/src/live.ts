// The live socket, GET /api/v1/live (docs/notifications.md "Live"): the first message is
// `auth` with the access token (never in the URL) and `since`, the newest notification this
// device knows, so that what arrived while it was away is replayed; then `ready`, then
// `notification` and `task` frames as they commit. A notification shows at once (badge and
// toast) and the next pull stores it; a task frame starts a sync, so lists refresh. Closed
// while offline; reconnects with exponential back-off (1 s doubling to 30 s, jittered);
// 4001 (token expired or invalid) refreshes the token first, and a refused refresh signs out.
import { currentAccessToken } from './api';
import { currentDb, sync } from './db';
import { addLive, flushReads, fromFrame, liveNotes, newestKnown, toast, type Note } from './notes';
import { online, signal } from './signal';

export const liveReady = signal(false);

let wanted = '';          // the signed-in user the socket is for ('' = none)
let socket: WebSocket | null = null;
let opening = false;
let timer: ReturnType<typeof setTimeout> | undefined;
let attempt = 0;
let staleToken = false;
let skipSince = false;

function schedule() {
  clearTimeout(timer);
  if (!wanted || !navigator.onLine) return;
  const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
  attempt += 1;
  timer = setTimeout(() => void open(), delay);
}

function onFrame(frame: any, ready: boolean) {
  switch (frame?.type) {
    case 'ready':
      attempt = 0;
      liveReady.set(true);
      void flushReads();
      void sync();  // catches up with task changes missed while away
      return;
    case 'notification': {
      const n: Note = fromFrame(frame.notification);
      addLive(n);
      if (ready) toast.set(n);
      void sync();
      return;
    }
    case 'task':
      void sync();
  }
}

async function open() {
  if (!wanted || socket || opening || !navigator.onLine) return;
  opening = true;
  const user = wanted;
  let token: string;
  let since: string | undefined;
  try {
    token = await currentAccessToken(staleToken);
    staleToken = false;
    since = skipSince ? undefined : await newestKnown(currentDb());
  } catch {
    opening = false;
    schedule();  // offline, or signed out (then `wanted` is cleared by stopLive)
    return;
  }
  opening = false;
  if (wanted !== user || socket) return;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`);
  socket = ws;
  let ready = false;
  ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', accessToken: token, ...(since ? { since } : {}) }));
  ws.onmessage = (e) => {
    let frame: any;
    try { frame = JSON.parse(String(e.data)); } catch { return; }
    onFrame(frame, ready);
    if (frame?.type === 'ready') ready = true;
  };
  ws.onclose = (e) => {
    if (socket !== ws) return;
    socket = null;
    liveReady.set(false);
    if (e.code === 4001) staleToken = true;
    // 4000 after a `since`: that id is not known to the server (any more); start afresh.
    skipSince = e.code === 4000 && since !== undefined;
    schedule();
  };
}

export function startLive(userId: string) {
  if (wanted === userId) return;
  stopLive();
  wanted = userId;
  attempt = 0;
  void open();
}

function closeSocket() {
  clearTimeout(timer);
  const ws = socket;
  socket = null;
  ws?.close(1000);
  liveReady.set(false);
}

export function stopLive() {
  wanted = '';
  closeSocket();
  liveNotes.set([]);
  toast.set(null);
}

online.subscribe(() => {
  if (!online.get()) closeSocket();
  else if (wanted) {
    attempt = 0;
    void open();
  }
});
