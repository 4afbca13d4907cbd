// The WatermelonDB client schema of docs/sync-schema.md, version 2. A new version is one
// more entry in TABLES (or more columns), `version` raised, and a step in `migrations`
// (createTable / addColumns): a database made by an older build is upgraded in place when
// it opens, and the next pull sends the new table whole.
import { appSchema, tableSchema } from '@nozbe/watermelondb';
import { createTable, schemaMigrations } from '@nozbe/watermelondb/Schema/migrations';
import type { ColumnSchema } from '@nozbe/watermelondb/Schema';

const str = (name: string, isOptional = false): ColumnSchema => ({ name, type: 'string', isOptional });
const num = (name: string, isOptional = false): ColumnSchema => ({ name, type: 'number', isOptional });
const bool = (name: string): ColumnSchema => ({ name, type: 'boolean' });

export const TABLES = {
  projects: [str('name'), str('description', true), str('user_id'), num('created_at'), num('updated_at')],
  tasks: [str('project_id', true), str('creator_id'), str('helper_id', true), str('title'), str('description'),
    str('category'), num('lat'), num('lng'), num('points_reward'), str('status', true), str('image_urls'),
    num('created_at'), num('updated_at'), num('completed_at', true)],
  point_transactions: [str('user_id'), num('amount'), str('type'), str('task_id', true), str('redemption_id', true), num('created_at')],
  redemptions: [str('partner_id'), str('offer_id'), num('points_spent'), str('discount_code'), str('status'),
    num('expires_at'), num('used_at', true), num('redeemed_at'), num('created_at'), num('updated_at')],
  partners: [str('name'), str('logo_url', true), str('description'), bool('is_active'), num('created_at'), num('updated_at')],
  offers: [str('partner_id'), str('title'), str('description'), num('points_cost'), num('valid_days'), bool('is_active'),
    num('created_at'), num('updated_at')],
  // Version 2; read-only (marked read through POST /notifications/{id}/read).
  notifications: [str('user_id'), str('type'), str('title'), str('body'), str('data'), str('task_id', true),
    num('created_at'), num('read_at', true)],
} as const;
export type TableName = keyof typeof TABLES;

export const schema = appSchema({
  version: 2,
  tables: Object.entries(TABLES).map(([name, columns]) => tableSchema({ name, columns: [...columns] })),
});

export const migrations = schemaMigrations({
  migrations: [
    { toVersion: 2, steps: [createTable({ name: 'notifications', columns: [...TABLES.notifications] })] },
  ],
});
