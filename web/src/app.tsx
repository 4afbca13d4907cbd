// The app's frame: header (language, sync, sign out), the offline and refused-changes
// banners, navigation, and the screen for the current path.
import { useEffect } from 'preact/hooks';
import { logout, session } from './api';
import { database, findRow, rejected, resetLocal, sync, syncing, useLocal } from './db';
import { lang, setLang, t, type Lang } from './i18n';
import { startLive, stopLive } from './live';
import './locale';
import { flushReads, forgetReads, toast, useUnreadCount } from './notes';
import { go, onLink, path } from './router';
import { AuthScreen } from './screens/auth';
import { ForgotPasswordScreen, ResetPasswordScreen, VerifyEmailScreen } from './screens/email';
import { MineScreen } from './screens/mine';
import { NotificationsScreen } from './screens/notifications';
import { NearbyScreen } from './screens/nearby';
import { NewTaskScreen } from './screens/newtask';
import { PartnersScreen, RedemptionScreen, RedemptionsScreen } from './screens/partners';
import { PointsScreen } from './screens/points';
import { ProfileScreen } from './screens/profile';
import { TaskScreen } from './screens/task';
import { online, useSignal } from './signal';

online.subscribe(() => { if (online.get()) void sync(); });

function Screen(props: { path: string }) {
  const p = props.path;
  let m: RegExpMatchArray | null;
  if ((m = p.match(/^\/tasks\/([0-9a-f-]{36})$/))) return <TaskScreen id={m[1]} key={m[1]} />;
  if ((m = p.match(/^\/redemptions\/([0-9a-f-]{36})$/))) return <RedemptionScreen id={m[1]} key={m[1]} />;
  switch (p) {
    case '/new': return <NewTaskScreen />;
    case '/mine': return <MineScreen />;
    case '/notifications': return <NotificationsScreen />;
    case '/points': return <PointsScreen />;
    case '/partners': return <PartnersScreen />;
    case '/redemptions': return <RedemptionsScreen />;
    case '/profile': return <ProfileScreen />;
    default: return <NearbyScreen />;
  }
}

// The screens of the links in mail and of "Forgot password?", signed in or out.
function AccountScreen(props: { path: string }) {
  switch (props.path) {
    case '/verify-email': return <VerifyEmailScreen />;
    case '/reset-password': return <ResetPasswordScreen />;
    case '/forgot-password': return <ForgotPasswordScreen />;
    default: return null;
  }
}
const ACCOUNT_PATHS = ['/verify-email', '/reset-password', '/forgot-password'];

// A refused record, named by its title where it has one.
function RefusedLink(props: { table: string; id: string }) {
  const row = useLocal(['tasks'], (d) => (props.table === 'tasks' ? findRow(d, 'tasks', props.id) : Promise.resolve(null)), [props.id]);
  const label = row?.title ?? `${props.table} ${props.id.slice(0, 8)}`;
  return props.table === 'tasks' ? <a href={`/tasks/${props.id}`}>{label}</a> : <span>{label}</span>;
}

const NAV: [string, Parameters<typeof t>[0]][] = [
  ['/', 'nav.nearby'], ['/new', 'nav.new'], ['/mine', 'nav.mine'], ['/points', 'nav.points'],
  ['/partners', 'nav.partners'], ['/notifications', 'nav.notifications'], ['/profile', 'nav.profile'],
];

// The navigation's link to the notifications, with the unread count.
function NotificationsLink(props: { current: boolean }) {
  const unread = useUnreadCount();
  return (
    <a href="/notifications" aria-current={props.current ? 'page' : undefined}>
      {t('nav.notifications')}
      {unread > 0 && <> <span class="count" data-testid="unread-count" aria-hidden="true">{unread}</span><span class="sr-only">{t('notes.unread', { n: unread })}</span></>}
    </a>
  );
}

// The newest live notification, for a few seconds, under the navigation (a polite live
// region; in the page's flow, so it never covers a control).
function Toast() {
  const n = useSignal(toast);
  useEffect(() => {
    if (!n) return;
    const timer = setTimeout(() => { if (toast.get() === n) toast.set(null); }, 8000);
    return () => clearTimeout(timer);
  }, [n]);
  return (
    <div role="status">
      {n && path.get() !== '/notifications' && (
        <p class="banner toast"><strong>{n.title}</strong> {n.body}{' '}<a href="/notifications" onClick={() => toast.set(null)}>{t('notes.show')}</a></p>
      )}
    </div>
  );
}

// Sends what is still unsynced, ends the server session, and wipes this account's local
// database, so the next person on this device finds nothing of it.
async function signOut() {
  await flushReads();
  await sync();
  forgetReads();
  await logout();
  await resetLocal();
  go('/');
}

export function App() {
  const s = useSignal(session);
  const current = useSignal(path);
  const isOnline = useSignal(online);
  const busy = useSignal(syncing);
  const refused = useSignal(rejected);
  useSignal(lang);
  const userId = s?.user.id;
  if (userId) database(userId);
  useEffect(() => {
    if (!userId) return;
    void sync();
    startLive(userId);
    const timer = setInterval(() => { if (document.visibilityState === 'visible') void sync(); }, 15_000);
    return () => { clearInterval(timer); stopLive(); };
  }, [userId]);

  return (
    <div class="app" onClick={onLink}>
      <a class="skip" href="#main">{t('nav.main')}</a>
      <header>
        <a href="/" class="brand">{t('app.name')}</a>
        <label class="lang">
          <span class="sr-only">{t('app.language')}</span>
          <select value={lang.get()} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
            <option value="de">DE</option>
            <option value="en">EN</option>
          </select>
        </label>
        {s && <button type="button" onClick={() => sync()} disabled={busy || !isOnline}>{busy ? t('app.syncing') : t('app.syncNow')}</button>}
        {s && <button type="button" onClick={signOut}>{t('auth.signOut')}</button>}
      </header>
      {!isOnline && <p class="banner" role="status">{t('app.offline')}</p>}
      {refused.length > 0 && (
        <div class="banner warn" role="alert">
          {t('app.rejected')}{' '}
          {refused.map((r) => <RefusedLink table={r.table} id={r.id} key={`${r.table}/${r.id}`} />)}
          <button type="button" onClick={() => rejected.set([])}>{t('app.rejected.dismiss')}</button>
        </div>
      )}
      {s && (
        <nav aria-label={t('nav.main')}>
          {NAV.map(([href, key]) => (href === '/notifications'
            ? <NotificationsLink current={current === href} />
            : <a href={href} aria-current={current === href ? 'page' : undefined}>{t(key)}</a>))}
        </nav>
      )}
      {s && <Toast />}
      <main id="main" tabIndex={-1}>
        {ACCOUNT_PATHS.includes(current) ? <AccountScreen path={current} />
          : s ? <Screen path={current} key={userId} /> : <AuthScreen signIn={current === '/sign-in'} key={current} />}
      </main>
    </div>
  );
}
