// The person's local database (LokiJS on IndexedDB, one database per account) and its sync
// with /api/v1/sync. Screens read from here, so they work offline; writes go here first and
// reach the server on the next sync. Records the server refuses (experimentalRejectedIds)
// stay unsynced and are listed in `rejected` for the person to see.
import { Database, Model, Q } from '@nozbe/watermelondb';
import * as lokiModule from '@nozbe/watermelondb/adapters/lokijs';
import { synchronize } from '@nozbe/watermelondb/sync';
import { setGenerator } from '@nozbe/watermelondb/utils/common/randomId';
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import { signal } from '../signal';
import { migrations, schema, TABLES, type TableName } from './schema';

setGenerator(() => crypto.randomUUID());

// The adapter is a CommonJS module with `exports.default`; the bundler's interop (Node's
// rules in a "type": "module" package) may hand us either the class or the exports object.
const lokiExports = lokiModule as any;
const LokiJSAdapter = lokiExports.default?.default ?? lokiExports.default;

const models = Object.keys(TABLES).map((table) => {
  const M = class extends Model {};
  (M as any).table = table;
  return M;
});

export type Raw = Record<string, any>;
export const raw = (m: Model): Raw => (m as any)._raw;

let db: Database | null = null;
let dbUser = '';

export function database(userId: string): Database {
  if (db && dbUser === userId) return db;
  const adapter = new LokiJSAdapter({
    schema, migrations, dbName: `gooddeeds-${userId}`,
    useWebWorker: false, useIncrementalIndexedDB: true,
  } as any);
  db = new Database({ adapter, modelClasses: models });
  dbUser = userId;
  return db;
}

export function currentDb(): Database {
  if (!db) throw new Error('no database: not signed in');
  return db;
}

export async function resetLocal() {
  if (!db) return;
  await db.write(() => db!.unsafeResetDatabase());
  db = null;
  dbUser = '';
}

export const syncing = signal(false);
export const rejected = signal<{ table: string; id: string }[]>([]);
export const lastSyncError = signal<string | null>(null);

// How long the first and the last sync took, for bench/web_budget.mjs (window.gdSyncStats).
export const syncStats = { firstMs: 0, lastMs: 0, count: 0 };
(window as any).gdSyncStats = syncStats;

let running: Promise<void> | null = null;
let again = false;

async function syncOnce() {
  const database = currentDb();
  await synchronize({
    database,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }: any) => {
      const q = new URLSearchParams({
        lastPulledAt: String(lastPulledAt ?? null), schemaVersion: String(schemaVersion),
        migration: JSON.stringify(migration ?? null),
      });
      return call(`/sync/pull?${q}`);
    },
    pushChanges: async ({ changes, lastPulledAt }: any) => {
      const answer = await call(`/sync/push?lastPulledAt=${lastPulledAt}`, { method: 'POST', body: { changes } });
      const ids = answer?.experimentalRejectedIds ?? {};
      const list = Object.entries(ids).flatMap(([table, rows]) => (rows as string[]).map((id) => ({ table, id })));
      if (list.length) {
        const seen = new Set(rejected.get().map((r) => `${r.table}/${r.id}`));
        rejected.set([...rejected.get(), ...list.filter((r) => !seen.has(`${r.table}/${r.id}`))]);
      }
      return { experimentalRejectedIds: ids };
    },
    migrationsEnabledAtVersion: 1,
  } as any);
}

// One sync at a time; a request during a sync runs one more afterwards.
export function sync(): Promise<void> {
  if (!navigator.onLine || !db) return Promise.resolve();
  if (running) { again = true; return running; }
  syncing.set(true);
  running = (async () => {
    try {
      do {
        again = false;
        const started = performance.now();
        await syncOnce();
        syncStats.lastMs = performance.now() - started;
        if (syncStats.count === 0) syncStats.firstMs = syncStats.lastMs;
        syncStats.count += 1;
      } while (again);
      lastSyncError.set(null);
    } catch (e) {
      lastSyncError.set(e instanceof Error ? e.message : String(e));
    } finally {
      running = null;
      syncing.set(false);
    }
  })();
  return running;
}

// Re-runs `query` whenever one of `tables` changes; undefined while loading.
export function useLocal<T>(tables: TableName[], query: (db: Database) => Promise<T>, deps: unknown[] = []): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    if (!db) return;
    const d = db;
    let alive = true;
    const run = () => query(d).then((v) => { if (alive) setValue(v); });
    run();
    const sub = d.withChangesForTables(tables).subscribe(() => run());
    return () => { alive = false; sub.unsubscribe(); };
  }, deps);
  return value;
}

export async function rows(d: Database, table: TableName, ...clauses: any[]): Promise<Raw[]> {
  const found = await d.get(table).query(...clauses).fetch();
  return found.map(raw);
}

export async function findRow(d: Database, table: TableName, id: string): Promise<Raw | null> {
  try { return raw(await d.get(table).find(id)); } catch { return null; }
}

// Sets columns of a local record (created when `create`), then syncs.
export async function writeRow(table: TableName, id: string | null, values: Record<string, unknown>): Promise<string> {
  const d = currentDb();
  let outId = id ?? '';
  await d.write(async () => {
    const set = (r: any) => { for (const [k, v] of Object.entries(values)) r._setRaw(k, v); };
    if (id) {
      const rec = await d.get(table).find(id);
      await rec.update(set);
    } else {
      const rec = await d.get(table).create(set);
      outId = rec.id;
    }
  });
  void sync();
  return outId;
}

export { Q };
