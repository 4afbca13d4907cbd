// One task: from the local database when it is the person's own (as creator or helper),
// otherwise from GET /tasks/{id} (kept for offline viewing). Every lifecycle action the
// person may take: status moves the sync push allows are local writes, and so are edits
// (title, text, category, location, photo: only the photo's upload is a REST call); apply,
// accept and reject-with-reason are REST calls.
import { useEffect, useState } from 'preact/hooks';
import { call, errorText, session } from '../api';
import { findRow, rejected, sync, useLocal, writeRow, type Raw } from '../db';
import { t } from '../i18n';
import { useSignal } from '../signal';
import { MapView } from '../map';
import { CATEGORIES, CategoryText, ErrorLine, Field, StatusBadge } from '../ui';
import { LocationField, uploadPhoto } from './newtask';

export interface TaskView {
  id: string; title: string; description: string; category: string; lat: number; lng: number;
  pointsReward: number; status: string; creatorId: string; helperId: string | null; imageUrls: string[];
  local: boolean; unsynced: boolean;
}

export function fromRaw(r: Raw): TaskView {
  let images: string[] = [];
  try { images = JSON.parse(r.image_urls || '[]'); } catch { /* keep none */ }
  return {
    id: r.id, title: r.title, description: r.description, category: r.category, lat: r.lat, lng: r.lng,
    pointsReward: r.points_reward, status: r.status, creatorId: r.creator_id, helperId: r.helper_id || null,
    imageUrls: images, local: true, unsynced: r._status !== 'synced',
  };
}

function fromRest(x: any): TaskView {
  return {
    id: x.id, title: x.title, description: x.description, category: x.category, lat: x.location.lat, lng: x.location.lng,
    pointsReward: x.pointsReward, status: x.status, creatorId: x.creatorId, helperId: x.helperId ?? null,
    imageUrls: x.imageUrls ?? [], local: false, unsynced: false,
  };
}

export function TaskScreen(props: { id: string }) {
  const me = useSignal(session)!.user;
  const localRow = useLocal(['tasks'], (d) => findRow(d, 'tasks', props.id), [props.id]);
  const [remote, setRemote] = useState<TaskView | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState(false);
  const [editing, setEditing] = useState(false);
  useSignal(rejected);

  useEffect(() => {
    if (localRow === undefined || localRow) return;
    const key = `gd.task.${props.id}`;
    call(`/tasks/${props.id}`).then((x) => { localStorage.setItem(key, JSON.stringify(x)); setRemote(fromRest(x)); })
      .catch(() => { const c = localStorage.getItem(key); setRemote(c ? fromRest(JSON.parse(c)) : null); });
  }, [localRow, props.id]);

  const task = localRow ? fromRaw(localRow) : remote;
  if (task === undefined) return <p>{t('common.loading')}</p>;
  if (task === null) return <p>{t('task.notFound')}</p>;
  const isCreator = task.creatorId === me.id;
  const isHelper = task.helperId === me.id;
  const refused = rejected.get().some((r) => r.table === 'tasks' && r.id === task.id);

  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try { await f(); } catch (e) { setError(navigator.onLine ? errorText(e) : t('error.offline')); }
  };
  // One status move per sync: the push sends the record's state, not the moves, so a second
  // move before the first reached the server would look like a jump the lifecycle refuses.
  const move = (status: string, extra: Record<string, unknown> = {}) => act(() => writeRow('tasks', task.id, { status, ...extra }));
  const moving = task.unsynced;
  const rest = (path: string, body?: unknown) => act(async () => { await call(`/tasks/${task.id}/${path}`, { method: 'POST', body }); await sync(); });

  return (
    <article class="task">
      <h1>{task.title}</h1>
      <p class="meta"><StatusBadge s={task.status} /> · <CategoryText c={task.category} /> · {t('task.points', { n: task.pointsReward })}</p>
      {(task.unsynced || refused) && <p class="note" role="status">{refused ? t('task.refused') : t('task.unsynced')}</p>}
      {task.imageUrls.map((u) => <img class="photo" src={u} alt={task.title} />)}
      {editing ? <EditTask task={task} done={() => setEditing(false)} /> : <p class="description">{task.description}</p>}
      {!editing && <MapView label={t('nearby.map')} center={[task.lat, task.lng]} pins={[{ id: task.id, lat: task.lat, lng: task.lng, label: task.title }]} />}
      {!isCreator && !isHelper && <p class="note">{t('task.coarse')}</p>}
      <ErrorLine error={error} />
      <div class="actions">
        {!isCreator && task.status === 'open' && !applied && !isHelper && (
          <ApplyForm onApply={(message) => act(async () => { await call(`/tasks/${task.id}/applications`, { method: 'POST', body: { message } }); setApplied(true); })} />
        )}
        {applied && <p role="status">{t('task.applied')}</p>}
        {isCreator && task.status === 'open' && !editing && <button type="button" onClick={() => setEditing(true)}>{t('task.edit')}</button>}
        {isCreator && task.status === 'open' && <button type="button" disabled={moving} onClick={() => move('cancelled')}>{t('task.cancel')}</button>}
        {isHelper && task.status === 'assigned' && <button type="button" class="primary" disabled={moving} onClick={() => move('in_progress')}>{t('task.start')}</button>}
        {isHelper && task.status === 'in_progress' && <button type="button" class="primary" disabled={moving} onClick={() => move('pending_confirmation')}>{t('task.complete')}</button>}
        {isHelper && (task.status === 'assigned' || task.status === 'in_progress') && (
          <button type="button" disabled={moving} onClick={() => move('open', { helper_id: null })}>{t('task.withdraw')}</button>
        )}
        {isCreator && task.status === 'pending_confirmation' && <button type="button" class="primary" disabled={moving} onClick={() => move('completed')}>{t('task.confirm')}</button>}
        {isCreator && task.status === 'pending_confirmation' && <RejectForm onReject={(reason) => rest('reject', { reason })} />}
      </div>
      {isCreator && task.status === 'open' && <Applications taskId={task.id} onAccepted={() => sync()} />}
    </article>
  );
}

function ApplyForm(props: { onApply: (message: string) => void }) {
  const [message, setMessage] = useState('');
  return (
    <form class="inline" onSubmit={(e) => { e.preventDefault(); props.onApply(message); }}>
      <Field label={t('task.applyMessage')}><textarea value={message} onInput={(e) => setMessage(e.currentTarget.value)} /></Field>
      <button type="submit" class="primary">{t('task.apply')}</button>
    </form>
  );
}

function RejectForm(props: { onReject: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  return (
    <form class="inline" onSubmit={(e) => { e.preventDefault(); props.onReject(reason); }}>
      <Field label={t('task.rejectReason')}><input value={reason} required onInput={(e) => setReason(e.currentTarget.value)} /></Field>
      <button type="submit">{t('task.reject')}</button>
    </form>
  );
}

function Applications(props: { taskId: string; onAccepted: () => void }) {
  const [items, setItems] = useState<any[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => call(`/tasks/${props.taskId}/applications`).then((r) => setItems(Array.isArray(r) ? r : r.items)).catch((e) => setError(errorText(e)));
  useEffect(() => { if (navigator.onLine) void load(); }, [props.taskId]);
  const accept = async (a: any) => {
    try {
      await call(`/tasks/${props.taskId}/applications/${a.id}/accept`, { method: 'POST' });
      props.onAccepted();
    } catch (e) { setError(errorText(e)); }
  };
  return (
    <section class="applications">
      <h2>{t('task.applications')}</h2>
      <ErrorLine error={error} />
      {items && items.length === 0 && <p>{t('task.noApplications')}</p>}
      <ul>
        {(items ?? []).filter((a) => a.status === 'pending').map((a) => (
          <li key={a.id}>
            <span>{a.applicantName ?? a.applicantId.slice(0, 8)}{a.message ? `: ${a.message}` : ''}</span>
            <button type="button" class="primary" onClick={() => accept(a)}>{t('task.accept', { name: a.applicantName ?? '' }).trim()}</button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function EditTask(props: { task: TaskView; done: () => void }) {
  const [title, setTitle] = useState(props.task.title);
  const [description, setDescription] = useState(props.task.description);
  const [category, setCategory] = useState(props.task.category);
  const [picked, setPicked] = useState<[number, number] | null>([props.task.lat, props.task.lng]);
  const [images, setImages] = useState(props.task.imageUrls);
  const [photo, setPhoto] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Title, text, category, location and photo go as one local write, synced like the rest;
  // only a new photo's upload needs the connection.
  const save = async (e: Event) => {
    e.preventDefault();
    if (photo && !navigator.onLine) { setError(t('task.photoNeedsConnection')); return; }
    setBusy(true);
    setError(null);
    try {
      const urls = photo ? [await uploadPhoto(photo)] : images;
      const [lat, lng] = picked!;
      await writeRow('tasks', props.task.id, { title, description, category, lat, lng, image_urls: JSON.stringify(urls) });
      props.done();
    } catch (err) {
      setError(navigator.onLine ? errorText(err) : t('error.offline'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={save}>
      <Field label={t('new.taskTitle')}><input name="title" value={title} required onInput={(e) => setTitle(e.currentTarget.value)} /></Field>
      <Field label={t('new.description')}><textarea name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></Field>
      <Field label={t('nearby.category')}>
        <select value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
          {CATEGORIES.map((c) => <option value={c}><CategoryText c={c} /></option>)}
        </select>
      </Field>
      <Field label={t('task.photo')}><input name="photo" type="file" accept="image/jpeg,image/png,image/webp" onChange={(e) => setPhoto(e.currentTarget.files?.[0] ?? null)} /></Field>
      {images.length > 0 && !photo && <p><button type="button" onClick={() => setImages([])}>{t('task.removePhoto')}</button></p>}
      {images.length === 0 && props.task.imageUrls.length > 0 && !photo && <p role="status">{t('task.photoRemoved')}</p>}
      <LocationField picked={picked} onPick={setPicked} onError={setError} />
      <ErrorLine error={error} />
      <button type="submit" class="primary" disabled={busy}>{t('task.save')}</button>
    </form>
  );
}
