// Points: the balance is the sum of the person's ledger rows (the server keeps that
// invariant), both from the local database.
import { Q, rows, useLocal } from '../db';
import { t, type Key } from '../i18n';
import { when } from '../ui';

export function PointsScreen() {
  const items = useLocal(['point_transactions'], (d) => rows(d, 'point_transactions', Q.sortBy('created_at', Q.desc)));
  if (!items) return <p>{t('common.loading')}</p>;
  const balance = items.reduce((s, r) => s + r.amount, 0);
  return (
    <section>
      <h1>{t('points.title')}</h1>
      <p class="balance"><span>{t('points.balance')}</span> <strong data-testid="balance">{balance}</strong></p>
      <h2>{t('points.history')}</h2>
      {items.length === 0 ? <p>{t('points.none')}</p> : (
        <ul class="cards">
          {items.map((r) => (
            <li class="card" key={r.id}>
              <strong>{r.amount > 0 ? `+${r.amount}` : r.amount}</strong> {t(`points.type.${r.type}` as Key)} <span class="meta">{when(r.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
