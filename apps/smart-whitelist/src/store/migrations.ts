import type { Kysely } from 'kysely';
import type { Migrations } from '@ai-ninja/data';

/**
 * smart-whitelist's tables. Portable across SQLite and PostgreSQL: text ids, ISO-8601 times as text, JSON as text,
 * `double precision` for scores. A migration once shipped is never edited: add a new one.
 */
export const migrations: Migrations = {
  '001_whitelist': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('whitelist_entries')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('confidence', 'double precision', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('whitelist_entries_pk', ['user_id', 'phone'])
        .execute();
      await db.schema
        .createTable('whitelist_rules')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Reports for profile-analytics that it has not taken yet; delivered (and deleted) in the background.
      await db.schema
        .createTable('profile_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('profile_outbox_due').on('profile_outbox').column('next_attempt_at').execute();
    },
  },
};
