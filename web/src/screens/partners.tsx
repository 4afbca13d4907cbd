// The partner catalogue and redemptions: partners and offers come from the local database
// (synced, read-only); redeeming is a REST call (it spends points), after which the code
// arrives by sync and is shown large with its expiry.
import { useState } from 'preact/hooks';
import { call, errorText } from '../api';
import { findRow, Q, rows, sync, useLocal, type Raw } from '../db';
import { t } from '../i18n';
import { go } from '../router';
import { ErrorLine, idempotencyKey, when } from '../ui';

export function PartnersScreen() {
  const partners = useLocal(['partners', 'offers'], async (d) => {
    const ps = await rows(d, 'partners', Q.where('is_active', true), Q.sortBy('name', Q.asc));
    const os = await rows(d, 'offers', Q.where('is_active', true));
    return ps.map((p): Raw => ({ ...p, offers: os.filter((o) => o.partner_id === p.id) }));
  });
  const [error, setError] = useState<string | null>(null);
  const redeem = async (offerId: string) => {
    setError(null);
    try {
      const r = await call('/redemptions', { method: 'POST', body: { offerId }, headers: { 'idempotency-key': idempotencyKey() } });
      await sync();
      go(`/redemptions/${r.id}`);
    } catch (e) { setError(navigator.onLine ? errorText(e) : t('error.offline')); }
  };
  if (!partners) return <p>{t('common.loading')}</p>;
  return (
    <section>
      <h1>{t('partners.title')}</h1>
      <p><a href="/redemptions">{t('partners.myRedemptions')}</a></p>
      <ErrorLine error={error} />
      {partners.every((p) => p.offers.length === 0) && <p>{t('partners.none')}</p>}
      {partners.filter((p) => p.offers.length).map((p) => (
        <div class="card" key={p.id}>
          <h2>{p.name}</h2>
          <p>{p.description}</p>
          <ul>
            {p.offers.map((o: Raw) => (
              <li key={o.id} class="offer">
                <strong>{o.title}</strong> <span class="meta">{t('partners.validDays', { n: o.valid_days })}</span>
                <p>{o.description}</p>
                <button type="button" class="primary" onClick={() => redeem(o.id)}>{t('partners.redeem', { n: o.points_cost })}</button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

export function RedemptionsScreen() {
  const items = useLocal(['redemptions', 'offers'], async (d) => {
    const rs = await rows(d, 'redemptions', Q.sortBy('redeemed_at', Q.desc));
    return Promise.all(rs.map(async (r): Promise<Raw> => ({ ...r, offer: await findRow(d, 'offers', r.offer_id) })));
  });
  if (!items) return <p>{t('common.loading')}</p>;
  return (
    <section>
      <h1>{t('partners.myRedemptions')}</h1>
      {items.length === 0 && <p>{t('partners.none')}</p>}
      <ul class="cards">
        {items.map((r) => (
          <li class="card" key={r.id}>
            <a href={`/redemptions/${r.id}`}><strong>{r.offer?.title ?? formatCode(r.discount_code)}</strong></a>
            <div class="meta">{t('redemption.expires', { date: when(r.expires_at) })}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

// Shown as the REST answer does it (groups of four joined by dashes), for reading aloud.
function formatCode(code: string) {
  return code.includes('-') ? code : (code.match(/.{1,4}/g) ?? []).join('-');
}

export function RedemptionScreen(props: { id: string }) {
  const r = useLocal(['redemptions', 'offers'], async (d) => {
    const row = await findRow(d, 'redemptions', props.id);
    return row ? ({ ...row, offer: await findRow(d, 'offers', row.offer_id) } as Raw) : null;
  }, [props.id]);
  if (r === undefined) return <p>{t('common.loading')}</p>;
  if (r === null) return <p>{t('common.loading')}</p>;
  return (
    <section class="redemption">
      <h1>{t('redemption.title')}</h1>
      {r.offer && <p>{r.offer.title}</p>}
      <p class="code" data-testid="discount-code">{formatCode(r.discount_code)}</p>
      <p>{t('redemption.expires', { date: when(r.expires_at) })}</p>
    </section>
  );
}
