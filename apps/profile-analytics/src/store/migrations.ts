import type { Kysely } from 'kysely';
import type { Migrations } from '@ai-ninja/data';

/**
 * profile-analytics's tables. Portable across SQLite and PostgreSQL: ISO-8601 times as text, JSON as text,
 * `double precision` for scores. A migration once shipped is never edited: add a new one.
 */
export const migrations: Migrations = {
  '001_profiles': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('caller_profiles')
        .addColumn('phone', 'text', (c) => c.primaryKey())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('category_counts', 'text', (c) => c.notNull())
        .addColumn('risk_score', 'double precision', (c) => c.notNull())
        .addColumn('call_count', 'integer', (c) => c.notNull())
        .addColumn('first_seen', 'text', (c) => c.notNull())
        .addColumn('last_seen', 'text', (c) => c.notNull())
        .addColumn('spam_reports', 'integer', (c) => c.notNull())
        .addColumn('wanted_reports', 'integer', (c) => c.notNull())
        .addColumn('analyzed_calls', 'integer', (c) => c.notNull())
        .addColumn('caller_turns', 'integer', (c) => c.notNull())
        .addColumn('early_hangups', 'integer', (c) => c.notNull())
        .addColumn('persistence_sum', 'double precision', (c) => c.notNull())
        .addColumn('last_summary', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Ids of the events already applied: the same event twice changes nothing.
      await db.schema
        .createTable('processed_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('processed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('calls')
        .addColumn('call_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('caller_phone', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('analysis', 'text', (c) => c.notNull())
        .addColumn('analyzed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('calls_by_user_day').on('calls').columns(['user_id', 'day']).execute();
    },
  },
};
