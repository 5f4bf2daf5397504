import type { Kysely } from 'kysely';
import type { Migrations } from '@ai-ninja/data';

/**
 * user-management's tables, as Kysely sees them. Timestamps are ISO-8601 text in UTC (`toISOString()`), so they
 * compare as text alike on SQLite and PostgreSQL; JSON is text.
 */
export interface UserManagementDb {
  users: {
    id: string;
    /** Trimmed and lower-cased; unique. */
    email: string;
    display_name: string;
    /** argon2id, PHC string format. */
    password_hash: string;
    /** JSON array of roles. */
    roles_json: string;
    /** JSON of UserPreferences. */
    preferences_json: string;
    /** TOTP secret (base32) once MFA is verified; null: MFA off. */
    mfa_secret: string | null;
    /** TOTP secret set up but not verified yet. */
    mfa_pending_secret: string | null;
    /** The TOTP time step of the last code accepted: a code is never accepted twice. */
    mfa_last_counter: number | null;
    created_at: string;
    updated_at: string;
  };
  /** The numbers users host with us: one user per number. */
  phone_numbers: {
    phone: string;
    user_id: string;
    created_at: string;
  };
  /** Every refresh token issued, by its jti: spent once used, revoked with its family. */
  refresh_tokens: {
    jti: string;
    family: string;
    user_id: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
    revoked_at: string | null;
  };
  /** Failed logins by e-mail address (known or not, so that a lockout reveals nothing about accounts). */
  login_attempts: {
    email: string;
    failures: number;
    window_started_at: string;
    locked_until: string | null;
    updated_at: string;
  };
  /** The keys that sign user tokens. The highest generation signs; every key stays published in the JWKS. */
  signing_keys: {
    kid: string;
    generation: number;
    created_at: string;
    /** The private key as a JWK (JSON): whoever reads this table can sign tokens for anyone. */
    private_jwk: string;
    public_jwk: string;
  };
}

/** user-management's migrations: never edit one that has shipped; add the next. */
export const migrations: Migrations = {
  '001_users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
        .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('roles_json', 'text', (c) => c.notNull())
        .addColumn('preferences_json', 'text', (c) => c.notNull())
        .addColumn('mfa_secret', 'text')
        .addColumn('mfa_pending_secret', 'text')
        .addColumn('mfa_last_counter', 'integer')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('phone_numbers')
        // The primary key is what makes a number belong to one user only, even when two register it at once.
        .addColumn('phone', 'varchar(16)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('phone_numbers_user_id').on('phone_numbers').column('user_id').execute();
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('jti', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('family', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('used_at', 'varchar(32)')
        .addColumn('revoked_at', 'varchar(32)')
        .execute();
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family').execute();
      await db.schema.createIndex('refresh_tokens_expires_at').on('refresh_tokens').column('expires_at').execute();
      await db.schema
        .createTable('login_attempts')
        .addColumn('email', 'varchar(254)', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('locked_until', 'varchar(32)')
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_attempts_updated_at').on('login_attempts').column('updated_at').execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
        // Unique: two replicas starting together on an empty database cannot both create the first key.
        .addColumn('generation', 'integer', (c) => c.notNull().unique())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
