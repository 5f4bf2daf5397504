import type { Kysely } from 'kysely';
import type { Migrations } from '@ai-ninja/data';

/** configuration's tables, as Kysely sees them. Timestamps are ISO-8601 text and JSON is text, alike on both dialects. */
export interface ConfigurationDb {
  /** Every version of every key: the current value of a key is its highest version. */
  config_entries: {
    scope: string;
    key: string;
    version: number;
    value_json: string;
    author: string;
    comment: string | null;
    created_at: string;
  };
  feature_flags: {
    name: string;
    /** description, enabled, rolloutPercentage, allowUsers, denyUsers. */
    definition_json: string;
    version: number;
    updated_at: string;
    author: string;
  };
  experiments: {
    name: string;
    description: string;
    variants_json: string;
    version: number;
    created_at: string;
    updated_at: string;
    author: string;
  };
  /** A user's variant, written on the first read and never changed while the variant exists. */
  experiment_assignments: {
    experiment: string;
    user_id: string;
    variant: string;
    assigned_at: string;
  };
}

/** configuration's migrations: never edit one that has shipped; add the next. */
export const migrations: Migrations = {
  '001_configuration': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('config_entries')
        .addColumn('scope', 'varchar(64)', (c) => c.notNull())
        .addColumn('key', 'varchar(128)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('value_json', 'text', (c) => c.notNull())
        .addColumn('author', 'varchar(200)', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        // The primary key is what makes two concurrent writers of the same version collide instead of both winning.
        .addPrimaryKeyConstraint('config_entries_pk', ['scope', 'key', 'version'])
        .execute();
      await db.schema
        .createTable('feature_flags')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('definition_json', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('author', 'varchar(200)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('experiments')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('variants_json', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('author', 'varchar(200)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('experiment_assignments')
        .addColumn('experiment', 'varchar(64)', (c) => c.notNull().references('experiments.name').onDelete('cascade'))
        .addColumn('user_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('variant', 'varchar(64)', (c) => c.notNull())
        .addColumn('assigned_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('experiment_assignments_pk', ['experiment', 'user_id'])
        .execute();
    },
  },
};
