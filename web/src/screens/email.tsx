// The screens behind the links in mail (/verify-email#token=…, /reset-password#token=…),
// "Forgot password?" (/forgot-password), and the email's verification state on the profile.
// They work signed in or out: the token is the proof, so the calls carry no bearer token.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, errorText, session, signOutLocally, updateUser, type User } from '../api';
import { t, type Key } from '../i18n';
import { ErrorLine, Field } from '../ui';

// The link's token, taken out of the fragment once; the address bar keeps only the path, so
// the token is not left in the history or on the screen.
function takeToken(): string {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  if (location.hash) history.replaceState(null, '', location.pathname);
  return token;
}

// The token of the link that opened the screen, and of a link opened later in the same tab
// (only the fragment changes then, so the page is not loaded again).
function useLinkToken(): string {
  const [token, setToken] = useState(takeToken);
  useEffect(() => {
    const next = () => { const t = takeToken(); if (t) setToken(t); };
    window.addEventListener('hashchange', next);
    return () => window.removeEventListener('hashchange', next);
  }, []);
  return token;
}

// The text for a failed call: `invalid` for the link's own refusal, else the server's words.
function failure(err: unknown, code: string, invalid: Key): string {
  if (err instanceof ApiError && err.body?.code === code) return t(invalid);
  return navigator.onLine ? errorText(err) : t('error.offline');
}

// The rule sign-up and reset share (API.md: 8 to 128 characters), read out with the field.
export function NewPasswordField(props: { label: string; value: string; onInput: (v: string) => void }) {
  return (
    <>
      <Field label={props.label}>
        <input name="password" type="password" minLength={8} maxLength={128} autocomplete="new-password" required
          aria-describedby="password-hint" value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} />
      </Field>
      <p id="password-hint" class="hint">{t('auth.passwordHint')}</p>
    </>
  );
}

export function VerifyEmailScreen() {
  const token = useLinkToken();
  const [state, setState] = useState<'busy' | 'done' | string>(token ? 'busy' : t('verify.invalid'));
  useEffect(() => {
    if (!token) return;
    setState('busy');
    call('/auth/verify-email', { method: 'POST', body: { token }, auth: false })
      .then(async () => {
        setState('done');
        if (session.get()) updateUser(await call<User>('/users/me').catch(() => session.get()!.user));
      })
      .catch((err) => setState(failure(err, 'VERIFY_TOKEN_INVALID', 'verify.invalid')));
  }, [token]);
  return (
    <section class="card">
      <h1>{t('verify.title')}</h1>
      {state === 'busy' && <p role="status">{t('verify.busy')}</p>}
      {state === 'done' && <p role="status">{t('verify.done')}</p>}
      <ErrorLine error={state !== 'busy' && state !== 'done' ? state : null} />
      <p><a href={session.get() ? '/profile' : '/sign-in'}>{session.get() ? t('verify.toProfile') : t('auth.signIn')}</a></p>
    </section>
  );
}

export function ResetPasswordScreen() {
  const token = useLinkToken();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(token ? null : t('reset.invalid'));
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  useEffect(() => { if (token) { setError(null); setDone(false); } }, [token]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call('/auth/password-reset/confirm', { method: 'POST', body: { token, newPassword: password }, auth: false });
      // The server ended every session, this browser's too.
      if (session.get()) signOutLocally();
      setDone(true);
    } catch (err) {
      setError(failure(err, 'RESET_TOKEN_INVALID', 'reset.invalid'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card">
      <h1>{t('reset.title')}</h1>
      {done ? (
        <>
          <p role="status">{t('reset.done')}</p>
          <p><a href="/sign-in">{t('auth.signIn')}</a></p>
        </>
      ) : (
        <form onSubmit={submit}>
          <NewPasswordField label={t('reset.newPassword')} value={password} onInput={setPassword} />
          <ErrorLine error={error} />
          <button type="submit" class="primary" disabled={busy || !token}>{t('reset.submit')}</button>
          {!token && <p><a href="/forgot-password">{t('forgot.title')}</a></p>}
        </form>
      )}
    </section>
  );
}

export function ForgotPasswordScreen() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSent(false);
    try {
      await call('/auth/password-reset', { method: 'POST', body: { email }, auth: false });
      setSent(true);
    } catch (err) {
      setError(navigator.onLine ? errorText(err) : t('error.offline'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card">
      <h1>{t('forgot.title')}</h1>
      <p>{t('forgot.intro')}</p>
      <form onSubmit={submit}>
        <Field label={t('auth.email')}><input name="email" type="email" autocomplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></Field>
        <ErrorLine error={error} />
        <div role="status">{sent && <p>{t('forgot.sent')}</p>}</div>
        <button type="submit" class="primary" disabled={busy}>{t('forgot.submit')}</button>
      </form>
      <p><a href="/sign-in">{t('auth.signIn')}</a></p>
    </section>
  );
}

// On the profile: whether the address is confirmed, and a new link when it is not.
export function EmailState(props: { user: User }) {
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const resend = async () => {
    setBusy(true);
    setError(null);
    try {
      await call('/auth/verify-email/resend', { method: 'POST' });
      setSent(true);
    } catch (err) {
      setError(navigator.onLine ? errorText(err) : t('error.offline'));
    } finally {
      setBusy(false);
    }
  };
  if (props.user.emailVerified === undefined) return <p>{props.user.email}</p>;
  return (
    <div class="email-state">
      <p>{props.user.email} — <strong data-testid="email-state">{props.user.emailVerified ? t('profile.emailVerified') : t('profile.emailUnverified')}</strong></p>
      {!props.user.emailVerified && (
        <p><button type="button" onClick={resend} disabled={busy}>{t('profile.resend')}</button></p>
      )}
      <ErrorLine error={error} />
      <div role="status">{sent && <p>{t('profile.resent', { email: props.user.email })}</p>}</div>
    </div>
  );
}
