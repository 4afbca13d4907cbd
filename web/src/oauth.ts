// Sign-in with Google and Apple from the browser: the authorization-code flow with PKCE
// (S256), a state against forged callbacks and a nonce bound into the ID token. The server
// names the configured providers in /config.json; the provider sends the browser back to
// /oauth/callback, where the code, the verifier and the nonce go to the server, which
// exchanges the code itself (docs/web.md).
import { config } from './config';

export type Provider = 'google' | 'apple';
export interface ProviderConfig { clientId: string; authUrl: string }
export const CALLBACK_PATH = '/oauth/callback';
const PENDING = 'gd.oauth';

interface Pending { provider: Provider; state: string; nonce: string; verifier: string; redirectUri: string }

function random(bytes = 32): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return b64url(b);
}

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const c of bytes) s += String.fromCharCode(c);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function providers(): Promise<Partial<Record<Provider, ProviderConfig>>> {
  return ((await config()) as { oauth?: Partial<Record<Provider, ProviderConfig>> }).oauth ?? {};
}

// Leaves for the provider's sign-in page.
export async function start(provider: Provider, p: ProviderConfig) {
  const pending: Pending = { provider, state: random(), nonce: random(), verifier: random(), redirectUri: location.origin + CALLBACK_PATH };
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier))));
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(p.authUrl);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', p.clientId);
  q.set('redirect_uri', pending.redirectUri);
  q.set('state', pending.state);
  q.set('nonce', pending.nonce);
  q.set('code_challenge', challenge);
  q.set('code_challenge_method', 'S256');
  // Apple posts the callback as a form when names or emails are asked for; a page of the app
  // can only read a query, so Apple is asked for the identity alone.
  if (provider === 'google') q.set('scope', 'openid email profile');
  else q.set('response_mode', 'query');
  location.assign(url.toString());
}

// On /oauth/callback: the body for POST /auth/oauth/{provider}, or null when this is not a
// callback this tab started (state differs, or the provider reported an error).
export function callback(): { provider: Provider; body: Record<string, string> } | null {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const q = new URLSearchParams(location.search);
  if (!raw) return null;
  const pending = JSON.parse(raw) as Pending;
  const code = q.get('code');
  if (!code || q.get('state') !== pending.state) return null;
  return { provider: pending.provider, body: { code, redirectUri: pending.redirectUri, codeVerifier: pending.verifier, nonce: pending.nonce } };
}
