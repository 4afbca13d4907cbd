// The app's language is also the person's `locale` on the server (PATCH /users/me), which
// picks the language of their notifications. Sent whenever the two differ: after a switch
// of language, after signing up or in (the profile the server answers carries its locale),
// and when the connection comes back after a switch made offline.
import { call, session, updateUser, type User } from './api';
import { lang } from './i18n';
import { online } from './signal';

let sending = false;

export async function sendLocale() {
  if (sending) return;
  sending = true;
  try {
    for (;;) {
      const s = session.get();
      const wanted = lang.get();
      if (!s || s.user.locale === wanted || !navigator.onLine) return;
      const user = await call<User>('/users/me', { method: 'PATCH', body: { locale: wanted } });
      if (session.get()?.user.id !== user.id) return;
      updateUser(user);
      if (user.locale !== wanted) return;  // the server keeps another value: do not insist
    }
  } catch {
    // Offline or refused for now: tried again on the next switch, sign-in or reconnect.
  } finally {
    sending = false;
  }
}

lang.subscribe(() => void sendLocale());
session.subscribe(() => void sendLocale());
online.subscribe(() => void sendLocale());
