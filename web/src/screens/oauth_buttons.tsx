// "Continue with Google / Apple" on the sign-in screen, for the providers the server has
// configured, and the end of the round trip on /oauth/callback.
import { useEffect, useState } from 'preact/hooks';
import { errorText, signInWith } from '../api';
import { t } from '../i18n';
import { CALLBACK_PATH, callback, providers, start, type Provider, type ProviderConfig } from '../oauth';
import { go } from '../router';
import { ErrorLine } from '../ui';

export function OAuthButtons() {
  const [available, setAvailable] = useState<Partial<Record<Provider, ProviderConfig>>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void providers().then(setAvailable);
    if (location.pathname !== CALLBACK_PATH) return;
    const done = callback();
    if (!done) { setError(t('auth.oauthFailed')); history.replaceState(null, '', '/'); return; }
    signInWith(done.provider, done.body).then(() => go('/'), (e) => { setError(`${t('auth.oauthFailed')} ${errorText(e)}`); history.replaceState(null, '', '/'); });
  }, []);
  const entries = (['google', 'apple'] as Provider[]).filter((p) => available[p]);
  if (entries.length === 0 && !error) return null;
  return (
    <div class="oauth">
      <ErrorLine error={error} />
      {entries.map((p) => (
        <button type="button" key={p} onClick={() => void start(p, available[p]!)}>
          {t(p === 'google' ? 'auth.withGoogle' : 'auth.withApple')}
        </button>
      ))}
    </div>
  );
}
