// Sign up and sign in.
import { useState } from 'preact/hooks';
import { errorText, login, register } from '../api';
import { t } from '../i18n';
import { ErrorLine, Field } from '../ui';
import { NewPasswordField } from './email';
import { OAuthButtons } from './oauth_buttons';

export function AuthScreen(props: { signIn?: boolean }) {
  const [mode, setMode] = useState<'in' | 'up'>(props.signIn ? 'in' : 'up');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'up') await register(email, password, name); else await login(email, password);
    } catch (err) {
      setError(navigator.onLine ? errorText(err) : t('error.offline'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="auth card">
      <h1>{t('app.name')}</h1>
      <p>{t('auth.intro')}</p>
      <h2>{mode === 'up' ? t('auth.signUp') : t('auth.signIn')}</h2>
      <form onSubmit={submit}>
        {mode === 'up' && <Field label={t('auth.name')}><input name="name" autocomplete="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>}
        <Field label={t('auth.email')}><input name="email" type="email" autocomplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></Field>
        {mode === 'up' ? <NewPasswordField label={t('auth.password')} value={password} onInput={setPassword} />
          : <Field label={t('auth.password')}><input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></Field>}
        {mode === 'in' && <p><a href="/forgot-password">{t('auth.forgot')}</a></p>}
        <ErrorLine error={error} />
        <button type="submit" class="primary" disabled={busy}>{mode === 'up' ? t('auth.signUp') : t('auth.signIn')}</button>
      </form>
      <OAuthButtons />
      <button type="button" class="link" onClick={() => setMode(mode === 'up' ? 'in' : 'up')}>
        {mode === 'up' ? t('auth.haveAccount') : t('auth.noAccount')}
      </button>
    </section>
  );
}
