// Ask for help: a task made in the local database (synced), with an optional photo uploaded
// first (POST /uploads) and a location picked on the map or from the device. The photo upload
// and the location picker are also the task editor's (screens/task.tsx).
import { useState } from 'preact/hooks';
import { call, errorText, session } from '../api';
import { writeRow } from '../db';
import { t } from '../i18n';
import { MapView } from '../map';
import { go } from '../router';
import { useSignal } from '../signal';
import { CATEGORIES, CategoryText, ErrorLine, Field } from '../ui';
import { locate, savedWhere, saveWhere } from './nearby';

// Uploads a photo (POST /uploads, needs a connection) and answers its URL.
export async function uploadPhoto(photo: File): Promise<string> {
  return (await call<{ url: string }>('/uploads', { method: 'POST', raw: photo })).url;
}

// A location tapped on the map or taken from the device, shown as numbers once set.
export function LocationField(props: { picked: [number, number] | null; onPick: (p: [number, number]) => void; onError: (e: string) => void }) {
  const [center, setCenter] = useState(props.picked ? { lat: props.picked[0], lng: props.picked[1] } : savedWhere());
  const here = async () => {
    try {
      const w = await locate();
      saveWhere(w);
      setCenter(w);
      props.onPick([w.lat, w.lng]);
    } catch (err) { props.onError(errorText(err)); }
  };
  const { picked } = props;
  return (
    <>
      <p>{t('new.location')} <button type="button" onClick={here}>{t('nearby.useLocation')}</button></p>
      <MapView label={t('new.location')} center={[center.lat, center.lng]} pins={[]} picked={picked}
        onPick={(lat, lng) => props.onPick([lat, lng])} />
      {picked && <p role="status">{t('new.locationSet', { lat: picked[0].toFixed(4), lng: picked[1].toFixed(4) })}</p>}
    </>
  );
}

export function NewTaskScreen() {
  const me = useSignal(session)!.user;
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [category, setCategory] = useState('shopping');
  const [reward, setReward] = useState(10);
  const [photo, setPhoto] = useState<File | null>(null);
  const [picked, setPicked] = useState<[number, number] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!picked) { setError(t('new.needLocation')); return; }
    setBusy(true);
    setError(null);
    try {
      const images = photo ? [await uploadPhoto(photo)] : [];
      const id = await writeRow('tasks', null, {
        title, description, category, points_reward: reward, lat: picked[0], lng: picked[1], status: 'open',
        creator_id: me.id, helper_id: null, project_id: null, image_urls: JSON.stringify(images),
        created_at: Date.now(), updated_at: Date.now(),
      });
      go(`/tasks/${id}`);
    } catch (err) {
      setError(navigator.onLine ? errorText(err) : t('error.offline'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h1>{t('new.title')}</h1>
      <form onSubmit={submit}>
        <Field label={t('new.taskTitle')}><input name="title" required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} /></Field>
        <Field label={t('new.description')}><textarea name="description" required value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></Field>
        <Field label={t('nearby.category')}>
          <select name="category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
            {CATEGORIES.map((c) => <option value={c}><CategoryText c={c} /></option>)}
          </select>
        </Field>
        <Field label={t('new.reward')}><input name="reward" type="number" min={1} max={1000} required value={reward} onInput={(e) => setReward(Number(e.currentTarget.value))} /></Field>
        <Field label={t('new.photo')}><input name="photo" type="file" accept="image/jpeg,image/png,image/webp" onChange={(e) => setPhoto(e.currentTarget.files?.[0] ?? null)} /></Field>
        <LocationField picked={picked} onPick={setPicked} onError={setError} />
        <ErrorLine error={error} />
        <button type="submit" class="primary" disabled={busy}>{t('new.submit')}</button>
      </form>
    </section>
  );
}
