// My tasks, as creator and as helper, from the local database.
import { session } from '../api';
import { Q, rows, useLocal, type Raw } from '../db';
import { t } from '../i18n';
import { useSignal } from '../signal';
import { StatusBadge } from '../ui';

function List(props: { items: Raw[] | undefined }) {
  if (!props.items) return <p>{t('common.loading')}</p>;
  if (props.items.length === 0) return <p>{t('mine.none')}</p>;
  return (
    <ul class="cards">
      {props.items.map((r) => (
        <li class="card" key={r.id}>
          <a href={`/tasks/${r.id}`}><strong>{r.title}</strong></a>
          <div class="meta"><StatusBadge s={r.status} /> · {t('task.points', { n: r.points_reward })}{r._status !== 'synced' ? ` · ${t('task.unsynced')}` : ''}</div>
        </li>
      ))}
    </ul>
  );
}

export function MineScreen() {
  const me = useSignal(session)!.user;
  const created = useLocal(['tasks'], (d) => rows(d, 'tasks', Q.where('creator_id', me.id), Q.sortBy('created_at', Q.desc)), [me.id]);
  const helping = useLocal(['tasks'], (d) => rows(d, 'tasks', Q.where('helper_id', me.id), Q.sortBy('created_at', Q.desc)), [me.id]);
  return (
    <section>
      <h1>{t('mine.title')}</h1>
      <h2>{t('mine.asCreator')}</h2>
      <List items={created} />
      <h2>{t('mine.asHelper')}</h2>
      <List items={helping} />
    </section>
  );
}
