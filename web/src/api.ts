// REST calls to /api/v1 with the session's tokens. The access token (15 min) lives in
// memory only; the refresh token and the profile are kept in localStorage, so a reload (also
// offline) finds the person signed in. A 401 refreshes once (one refresh at a time: the
// server rotates refresh tokens and treats a spent one as theft) and retries.
import { signal } from './signal';

export interface User { id: string; email: string; name: string; bio?: string; pointsBalance?: number; roles?: string[]; locale?: string; emailVerified?: boolean }
interface Session { user: User; refreshToken: string }
interface AuthAnswer { user: User; accessToken: string; refreshToken: string }

export class ApiError extends Error {
  constructor(public status: number, public body: any) {
    super(body?.detail || body?.title || `HTTP ${status}`);
  }
}

const STORE = 'gd.session';
function load(): Session | null {
  try { return JSON.parse(localStorage.getItem(STORE) || 'null'); } catch { return null; }
}
export const session = signal<Session | null>(load());
let accessToken: string | null = null;
let refreshing: Promise<void> | null = null;

function save(s: Session | null) {
  if (s) localStorage.setItem(STORE, JSON.stringify(s)); else localStorage.removeItem(STORE);
  session.set(s);
}

function adopt(a: AuthAnswer) {
  accessToken = a.accessToken;
  save({ user: a.user, refreshToken: a.refreshToken });
}

export function updateUser(user: User) {
  const s = session.get();
  if (s) save({ ...s, user });
}

export function signOutLocally() {
  accessToken = null;
  save(null);
}

async function refresh(): Promise<void> {
  const s = session.get();
  if (!s) throw new ApiError(401, { detail: 'signed out' });
  const res = await fetch('/api/v1/auth/refresh', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: s.refreshToken }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401 || res.status === 400) { signOutLocally(); throw new ApiError(res.status, body); }
  if (!res.ok) throw new ApiError(res.status, body);
  adopt(body);
}

// The access token for the live socket's auth message (refreshed first when there is none,
// or when `stale`: the socket was closed with 4001).
export async function currentAccessToken(stale = false): Promise<string> {
  if (stale) accessToken = null;
  if (!accessToken) await (refreshing ??= refresh().finally(() => { refreshing = null; }));
  if (!accessToken) throw new ApiError(401, { detail: 'signed out' });
  return accessToken;
}

export interface CallOptions { method?: string; body?: unknown; raw?: Blob; headers?: Record<string, string>; auth?: boolean }

export async function call<T = any>(path: string, opts: CallOptions = {}): Promise<T> {
  const { method = 'GET', body, raw, auth = true } = opts;
  const send = async () => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (raw) headers['content-type'] = raw.type;
    if (auth && accessToken) headers.authorization = `Bearer ${accessToken}`;
    return fetch(`/api/v1${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  };
  if (auth && !accessToken && session.get()) await (refreshing ??= refresh().finally(() => { refreshing = null; }));
  let res = await send();
  if (res.status === 401 && auth && session.get()) {
    await (refreshing ??= refresh().finally(() => { refreshing = null; }));
    res = await send();
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.blob();
  if (!res.ok) throw new ApiError(res.status, data);
  return data as T;
}

export async function register(email: string, password: string, name: string) {
  adopt(await call<AuthAnswer>('/auth/register', { method: 'POST', body: { email, password, name }, auth: false }));
}

export async function login(email: string, password: string) {
  adopt(await call<AuthAnswer>('/auth/login', { method: 'POST', body: { email, password }, auth: false }));
}

// POST /auth/oauth/{provider} with an ID token or an authorization code (oauth.ts).
export async function signInWith(provider: 'google' | 'apple', body: Record<string, string>) {
  adopt(await call<AuthAnswer>(`/auth/oauth/${provider}`, { method: 'POST', body, auth: false }));
}

export async function logout() {
  const s = session.get();
  if (s) await call('/auth/logout', { method: 'POST', body: { refreshToken: s.refreshToken } }).catch(() => {});
  signOutLocally();
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = (e.body?.errors ?? []).map((f: any) => `${f.field}: ${f.message}`).join('; ');
    return [e.message, fields].filter(Boolean).join(' — ');
  }
  return e instanceof Error ? e.message : String(e);
}
