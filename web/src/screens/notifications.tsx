// The person's notifications, newest first, from the local database (and the live socket).
// Opening the screen marks the shown unread ones read; they keep their "New" mark for this
// visit. A notification about a task links to it.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { markRead, toast, useNotes } from '../notes';
import { when } from '../ui';

export function NotificationsScreen() {
  const notes = useNotes();
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (toast.get()) toast.set(null);  // it is on this screen now
    const unread = (notes ?? []).filter((n) => !n.read).map((n) => n.id);
    if (unread.length === 0) return;
    setFresh((f) => new Set([...f, ...unread]));
    markRead(unread);
  }, [notes]);
  if (!notes) return <p>{t('common.loading')}</p>;
  return (
    <section>
      <h1>{t('notes.title')}</h1>
      {notes.length === 0 ? <p>{t('notes.none')}</p> : (
        <ul class="cards notes">
          {notes.map((n) => (
            <li class={`card${fresh.has(n.id) ? ' unread' : ''}`} key={n.id}>
              {fresh.has(n.id) && <span class="new">{t('notes.new')} </span>}
              <strong>{n.title}</strong>
              <p>{n.body}</p>
              <div class="meta">
                <time dateTime={new Date(n.createdAt).toISOString()}>{when(n.createdAt)}</time>
                {n.taskId && <> · <a href={`/tasks/${n.taskId}`}>{t('notes.openTask')}</a></>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
