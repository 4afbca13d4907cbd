// A real WatermelonDB client (the npm package, LokiJS adapter in memory) wired to the
// server's /sync endpoints: one "device" per call to newDevice(). The schemas are the ones in
// docs/sync-schema.md: version 1 (`schema`) and version 2 (`schemaV2`, with its migration).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb');
const { schemaMigrations, createTable } = require('@nozbe/watermelondb/Schema/migrations');
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default;
const { synchronize } = require('@nozbe/watermelondb/sync');
const { setGenerator } = require('@nozbe/watermelondb/utils/common/randomId');
const logger = require('@nozbe/watermelondb/utils/common/logger').default;

setGenerator(() => randomUUID());
logger.silence();

const str = (name, isOptional = false) => ({ name, type: 'string', isOptional });
const num = (name, isOptional = false) => ({ name, type: 'number', isOptional });
const bool = (name) => ({ name, type: 'boolean' });

const tablesV1 = [
    tableSchema({ name: 'projects', columns: [str('name'), str('description', true), str('user_id'), num('created_at'), num('updated_at')] }),
    tableSchema({
      name: 'tasks',
      columns: [str('project_id', true), str('creator_id'), str('helper_id', true), str('title'), str('description'),
        str('category'), num('lat'), num('lng'), num('points_reward'), str('status'), str('image_urls'),
        num('created_at'), num('updated_at'), num('completed_at', true)],
    }),
    tableSchema({ name: 'point_transactions', columns: [str('user_id'), num('amount'), str('type'), str('task_id', true), str('redemption_id', true), num('created_at')] }),
    tableSchema({
      name: 'redemptions',
      columns: [str('partner_id'), str('offer_id'), num('points_spent'), str('discount_code'), str('status'),
        num('expires_at'), num('used_at', true), num('redeemed_at'), num('created_at'), num('updated_at')],
    }),
    tableSchema({ name: 'partners', columns: [str('name'), str('logo_url', true), str('description'), bool('is_active'), num('created_at'), num('updated_at')] }),
    tableSchema({ name: 'offers', columns: [str('partner_id'), str('title'), str('description'), num('points_cost'), num('valid_days'), bool('is_active'), num('created_at'), num('updated_at')] }),
];
export const schema = appSchema({ version: 1, tables: tablesV1 });

// Version 2 adds the notification feed (read-only).
const notificationColumns = [str('user_id'), str('type'), str('title'), str('body'), str('data'), str('task_id', true),
  num('created_at'), num('read_at', true)];
export const schemaV2 = appSchema({
  version: 2,
  tables: [...tablesV1, tableSchema({ name: 'notifications', columns: notificationColumns })],
});
export const migrations = schemaMigrations({
  migrations: [{ toVersion: 2, steps: [createTable({ name: 'notifications', columns: notificationColumns })] }],
});

const modelsOf = (s) => Object.keys(s.tables).map((table) => {
  const M = class extends Model {};
  M.table = table;
  return M;
});

export class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

// A device of `user` (a registered user with accessToken) against `base` (…/api/v1), on
// client schema `appSchema` (version 1 unless given).
export function newDevice(base, user, appSchema = schema) {
  // WatermelonDB refuses migrations beyond the schema's version.
  const adapter = new LokiJSAdapter({ schema: appSchema, migrations: appSchema.version > 1 ? migrations : undefined, useWebWorker: false, useIncrementalIndexedDB: false, dbName: randomUUID(),
    extraLokiOptions: { autosave: false },  // an autosave timer would keep the test process alive
  });
  let db = new Database({ adapter, modelClasses: modelsOf(appSchema) });
  const headers = { authorization: `Bearer ${user.accessToken}` };
  const device = {
    db,
    pulls: 0,
    async sync() {
      await synchronize({
        database: db,
        // docs/sync-schema.md: migrations since version 1 (a version 1 device has none)
        migrationsEnabledAtVersion: db.adapter.migrations ? 1 : undefined,
        pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
          device.pulls += 1;
          const q = new URLSearchParams({
            lastPulledAt: String(lastPulledAt ?? null), schemaVersion: String(schemaVersion),
            migration: JSON.stringify(migration ?? null),
          });
          const res = await fetch(`${base}/sync/pull?${q}`, { headers });
          const body = await res.json();
          if (res.status !== 200) throw new HttpError(res.status, body);
          device.lastPull = body;
          return body;
        },
        pushChanges: async ({ changes, lastPulledAt }) => {
          const res = await fetch(`${base}/sync/push?lastPulledAt=${lastPulledAt}`, {
            method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ changes }),
          });
          const body = await res.json();
          if (res.status !== 200) throw new HttpError(res.status, body);
          return body.experimentalRejectedIds ? { experimentalRejectedIds: body.experimentalRejectedIds } : undefined;
        },
      });
    },
    // Syncs until a push is not refused for a conflict (the client pulls and retries).
    async syncUntilClean(max = 50) {
      for (let i = 0; i < max; i++) {
        try {
          await device.sync();
          return;
        } catch (e) {
          if (!(e instanceof HttpError && e.status === 409)) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error('sync kept conflicting');
    },
    // The app is updated to `next` (a later schema): the local database is reopened and
    // migrated as WatermelonDB does on a device, keeping its records and sync state.
    async upgrade(next) {
      const loki = db.adapter.underlyingAdapter._driver.loki;
      await new Promise((resolve, reject) => loki.saveDatabase((e) => (e ? reject(e) : resolve())));
      const migrated = await db.adapter.underlyingAdapter.testClone({ schema: next, migrations });
      db = new Database({ adapter: migrated, modelClasses: modelsOf(next) });
      device.db = db;
    },
    collection(table) {
      return db.get(table);
    },
    async rows(table) {
      const all = await db.get(table).query().fetch();
      return all.map((r) => ({ ...r._raw })).sort((a, b) => a.id.localeCompare(b.id));
    },
    async create(table, fields) {
      let rec;
      await db.write(async () => {
        rec = await db.get(table).create((r) => {
          for (const [k, v] of Object.entries(fields)) r._setRaw(k, v);
        });
      });
      return rec;
    },
    async update(table, id, fields) {
      await db.write(async () => {
        const rec = await db.get(table).find(id);
        await rec.update((r) => {
          for (const [k, v] of Object.entries(fields)) r._setRaw(k, v);
        });
      });
    },
    async remove(table, id) {
      await db.write(async () => {
        const rec = await db.get(table).find(id);
        await rec.markAsDeleted();
      });
    },
  };
  return device;
}

// The synced columns of a raw record (without WatermelonDB's _status/_changed).
export function synced(raw) {
  const { _status, _changed, ...rest } = raw;
  return rest;
}
