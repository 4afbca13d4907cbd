// The profile: name, bio and language; export of all one's data; deleting the account.
import { useEffect, useState } from 'preact/hooks';
import { call, errorText, session, signOutLocally, updateUser, type User } from '../api';
import { resetLocal } from '../db';
import { lang, setLang, t, type Lang } from '../i18n';
import { forgetReads } from '../notes';
import { go } from '../router';
import { useSignal } from '../signal';
import { ErrorLine, Field } from '../ui';
import { EmailState } from './email';

export function ProfileScreen() {
  const me = useSignal(session)!.user;
  const current = useSignal(lang);
  const [name, setName] = useState(me.name);
  const [bio, setBio] = useState(me.bio ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [confirmText, setConfirmText] = useState('');
  useEffect(() => {
    if (navigator.onLine) call<User>('/users/me').then((u) => { updateUser(u); setName(u.name); setBio(u.bio ?? ''); }).catch(() => {});
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    try {
      updateUser(await call<User>('/users/me', { method: 'PATCH', body: { name, bio } }));
      setSaved(true);
    } catch (err) { setError(navigator.onLine ? errorText(err) : t('error.offline')); }
  };
  const exportData = async () => {
    try {
      const data = await call('/users/me/export');
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'gooddeeds-export.json';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) { setError(errorText(err)); }
  };
  const word = t('profile.deleteWord');
  const remove = async (e: Event) => {
    e.preventDefault();
    try {
      await call('/users/me', { method: 'DELETE' });
      await resetLocal();
      forgetReads();
      signOutLocally();
      go('/');
    } catch (err) { setError(errorText(err)); }
  };
  return (
    <section>
      <h1>{t('profile.title')}</h1>
      <EmailState user={me} />
      <form onSubmit={save}>
        <Field label={t('profile.name')}><input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
        <Field label={t('profile.bio')}><textarea name="bio" value={bio} onInput={(e) => setBio(e.currentTarget.value)} /></Field>
        <Field label={t('app.language')}>
          <select value={current} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
            <option value="de">Deutsch</option>
            <option value="en">English</option>
          </select>
        </Field>
        <ErrorLine error={error} />
        {saved && <p role="status">{t('profile.saved')}</p>}
        <button type="submit" class="primary">{t('profile.save')}</button>
      </form>
      <p><button type="button" onClick={exportData}>{t('profile.export')}</button></p>
      <form class="danger" onSubmit={remove}>
        <p>{t('profile.deleteConfirm')}</p>
        <Field label={t('profile.deleteLabel')}><input value={confirmText} onInput={(e) => setConfirmText(e.currentTarget.value)} /></Field>
        <button type="submit" disabled={confirmText !== word}>{t('profile.delete')}</button>
      </form>
    </section>
  );
}
