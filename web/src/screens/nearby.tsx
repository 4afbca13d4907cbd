// Nearby open tasks: an online search (GET /tasks) with radius and category filters, shown
// as a list and on the map. The last results are kept for offline viewing.
import { useEffect, useState } from 'preact/hooks';
import { call, errorText } from '../api';
import { t } from '../i18n';
import { MapView } from '../map';
import { CATEGORIES, CategoryText, ErrorLine, Field } from '../ui';

export interface Where { lat: number; lng: number }
export function savedWhere(): Where {
  try { return JSON.parse(localStorage.getItem('gd.where') || '') as Where; } catch { return { lat: 52.52, lng: 13.405 }; }
}
export function saveWhere(w: Where) { localStorage.setItem('gd.where', JSON.stringify(w)); }

export function locate(): Promise<Where> {
  return new Promise((resolve, reject) => navigator.geolocation.getCurrentPosition(
    (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }), reject, { timeout: 10_000 }));
}

interface Found { id: string; title: string; category: string; pointsReward: number; distanceMeters: number; location: Where }

export function NearbyScreen() {
  const [where, setWhere] = useState<Where>(savedWhere());
  const [radius, setRadius] = useState(Number(localStorage.getItem('gd.radius') || 5000));
  const [category, setCategory] = useState(localStorage.getItem('gd.category') || '');
  const [view, setView] = useState<'list' | 'map'>('list');
  const [items, setItems] = useState<Found[] | null>(null);
  const [cached, setCached] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const search = async (w = where) => {
    setError(null);
    localStorage.setItem('gd.radius', String(radius));
    localStorage.setItem('gd.category', category);
    const q = new URLSearchParams({ lat: String(w.lat), lng: String(w.lng), radius: String(radius), limit: '50' });
    if (category) q.set('category', category);
    try {
      const res = await call<{ items: Found[] }>(`/tasks?${q}`);
      setItems(res.items);
      setCached(false);
      localStorage.setItem('gd.nearby', JSON.stringify(res.items));
    } catch (e) {
      const last = localStorage.getItem('gd.nearby');
      if (last) { setItems(JSON.parse(last)); setCached(true); }
      if (navigator.onLine) setError(errorText(e));
    }
  };
  useEffect(() => { void search(); }, []);
  const useMine = async () => {
    try {
      const w = await locate();
      saveWhere(w);
      setWhere(w);
      await search(w);
    } catch (e) { setError(errorText(e)); }
  };
  const km = (m: number) => (m / 1000).toFixed(1);
  return (
    <section>
      <h1>{t('nearby.title')}</h1>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <Field label={t('nearby.radius')}>
          <select value={radius} onChange={(e) => setRadius(Number(e.currentTarget.value))}>
            {[1000, 2000, 5000, 10000, 25000, 50000].map((r) => <option value={r}>{r / 1000} km</option>)}
          </select>
        </Field>
        <Field label={t('nearby.category')}>
          <select value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
            <option value="">{t('nearby.all')}</option>
            {CATEGORIES.map((c) => <option value={c}><CategoryText c={c} /></option>)}
          </select>
        </Field>
        <button type="submit" class="primary">{t('nearby.search')}</button>
        <button type="button" onClick={useMine}>{t('nearby.useLocation')}</button>
      </form>
      <div class="tabs" role="group" aria-label={`${t('nearby.list')} / ${t('nearby.map')}`}>
        <button type="button" aria-pressed={view === 'list'} onClick={() => setView('list')}>{t('nearby.list')}</button>
        <button type="button" aria-pressed={view === 'map'} onClick={() => setView('map')}>{t('nearby.map')}</button>
      </div>
      <ErrorLine error={error} />
      {cached && <p class="note">{t('nearby.cached')}</p>}
      {view === 'map' && (
        <MapView label={t('nearby.map')} center={[where.lat, where.lng]}
          pins={(items ?? []).map((i) => ({ id: i.id, lat: i.location.lat, lng: i.location.lng, label: i.title, href: `/tasks/${i.id}` }))} />
      )}
      {view === 'list' && items && (items.length === 0 ? <p>{t('nearby.none')}</p> : (
        <ul class="cards">
          {items.map((i) => (
            <li class="card" key={i.id}>
              <a href={`/tasks/${i.id}`}><strong>{i.title}</strong></a>
              <div class="meta">
                <CategoryText c={i.category} /> · {t('nearby.distance', { km: km(i.distanceMeters) })} · {t('task.points', { n: i.pointsReward })}
              </div>
            </li>
          ))}
        </ul>
      ))}
    </section>
  );
}
